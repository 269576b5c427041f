# Insigne: the Litestar service and the openbadges library, served by uvicorn.
#
#   docker build -t insigne .
#   docker run -p 8000:8000 -v insigne-data:/data \
#     -e INSIGNE_PUBLIC_URL=https://badges.example -e INSIGNE_DATABASE_URL=postgresql+asyncpg://… \
#     -e INSIGNE_KEY_ENCRYPTION_KEY=… -e INSIGNE_TOKEN_SECRET=… insigne
#
# Without INSIGNE_DATABASE_URL the service uses SQLite in /data; without the two secrets it
# generates development ones in /data (fine for a trial, never for production).

FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself, installed editable: its .pth points at /app, where the runtime
# stage puts the same source (service/db/engine.py finds migrations/ beside service/).
COPY README.md ./
COPY openbadges ./openbadges
COPY service ./service
COPY schema ./schema
COPY migrations ./migrations
RUN uv sync --frozen --no-dev


FROM python:3.11-slim AS runtime

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INSIGNE_DATA_DIR=/data

# DejaVu Sans draws the badge PNGs and link-preview cards (every accent of French); Pango lays
# out the transcripts' PDF attestations (WeasyPrint), whose fonts HarfBuzz subsets.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 insigne \
    && useradd --system --uid 10001 --gid insigne --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin insigne \
    && mkdir -p /data \
    && chown insigne:insigne /data

WORKDIR /app

COPY --from=builder /app/.venv /app/.venv
COPY pyproject.toml README.md ./
COPY openbadges ./openbadges
COPY service ./service
COPY schema ./schema
COPY migrations ./migrations
# The source stays root-owned and read-only to the service user, so compile it now.
RUN python -m compileall -q openbadges service schema migrations

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

# Migrate, then hand PID 1 to uvicorn (exec) so it receives the stop signal. One worker per
# container (scale out with containers): uvicorn's multi-worker socket loses TCP_NODELAY
# (encode/uvicorn#3149), adding ~40 ms to keep-alive requests.
CMD ["sh", "-c", "insigne db upgrade && exec insigne serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-1}"]
