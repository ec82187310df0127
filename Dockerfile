# syntax=docker/dockerfile:1
# Borderhub production image: the locked runtime dependencies in /app/.venv, run as a non-root user.
# The same image serves the API (granian), the worker and one-shot commands (see docker-compose.yml).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
ENV UV_LOCKED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN python -m pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /src
# Dependencies first (cached until pyproject.toml / uv.lock change), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY borderhub ./borderhub
COPY kernel ./kernel
COPY marketplace ./marketplace
COPY procurement ./procurement
COPY search ./search
COPY web ./web
COPY migrations ./migrations
# Installed as a wheel (not editable): /app/.venv is self-contained, no source tree needed at run time.
RUN uv sync --locked --no-dev --no-editable

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:${PATH}" \
    BORDERHUB_DATA_DIR=/var/lib/borderhub
RUN groupadd --system --gid 10001 borderhub \
    && useradd --system --uid 10001 --gid borderhub --home-dir /home/borderhub --create-home borderhub \
    && install -d -o borderhub -g borderhub /var/lib/borderhub /var/lib/borderhub-files
COPY --from=build /app/.venv /app/.venv
USER borderhub
WORKDIR /home/borderhub
EXPOSE 8000
# Any command from the venv: `borderhub ...`, `granian ...` (docker-compose.yml sets each service's).
CMD ["granian", "--interface", "asgi", "--factory", "--workers", "4", "--host", "0.0.0.0", "--port", "8000", "borderhub.app:create_app"]
