# The image for web (ASGI), worker and beat: see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Run from the source tree: settings find templates/, static/ and locale/ next to platform/.
    PYTHONPATH=/app/platform:/app \
    DJANGO_SETTINGS_MODULE=tutornet.settings \
    TUTORNET_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
COPY platform ./platform
COPY tenants ./tenants
COPY consultations ./consultations
COPY casebank ./casebank
COPY tutorials ./tutorials
RUN pip install .

COPY . .
RUN useradd --create-home --uid 1000 tutornet \
    && mkdir -p /app/var/media \
    && chown -R tutornet:tutornet /app/var
USER tutornet

EXPOSE 8000
# As docker-compose.yml starts it: idle connections kept 75 s (see the comment there).
CMD ["python", "-m", "uvicorn", "tutornet.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--timeout-keep-alive", "75"]
