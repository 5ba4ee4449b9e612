FROM python:3.11-slim

RUN useradd --create-home --uid 1000 calipso \
    && mkdir /data && chown calipso:calipso /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY calipso ./calipso
COPY config ./config
RUN pip install --no-cache-dir '.[embedded]'

USER calipso
ENV CALIPSO_DATA_DIR=/data \
    CALIPSO_API_BIND=0.0.0.0:8000 \
    CALIPSO_CONFIG_DIR=/app/config \
    CALIPSO_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
STOPSIGNAL SIGTERM
CMD ["calipso", "serve"]
