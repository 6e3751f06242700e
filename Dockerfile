# The assistant's HTTP server (`vsa serve`): Slack, Teams and /healthz on $PORT.
#   docker build -t vsa . && docker run -p 3000:3000 --env-file .env vsa
# Without DATABASE_URL it keeps a SQLite file in the /data volume; set DATABASE_URL to
# a PostgreSQL URL for production.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/vsa.db

RUN useradd --create-home --uid 10001 vsa && mkdir /data && chown vsa /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY assistant assistant
COPY adapters adapters
COPY dialogs dialogs
COPY storage storage
RUN pip install --no-compile .

USER vsa
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz')"
CMD ["vsa", "serve"]
