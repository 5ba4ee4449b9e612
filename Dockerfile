FROM python:3.11-slim

RUN useradd --create-home --uid 1000 calipso \
    && mkdir /data && chown calipso:calipso /data
WORKDIR /app

# The dependencies, a layer of their own: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['embedded']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Calipso itself; its metadata and seed data are package data (calipso/config/), and so
# is the built web UI (calipso/ui/static/, served at /): no Node needed here.
COPY README.md ./
COPY calipso ./calipso
RUN pip install --no-cache-dir --no-deps . && rm -rf /app/*

USER calipso
WORKDIR /home/calipso
ENV CALIPSO_DATA_DIR=/data \
    CALIPSO_API_BIND=0.0.0.0:8000 \
    CALIPSO_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
STOPSIGNAL SIGTERM
# `calipso serve --demo` also runs a small simulated cloud, registered as `demo` and scanned.
CMD ["calipso", "serve"]
