# Community Rule backend: gunicorn serving Django; static files by whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Settings refuse to import without production values; these build-only
# values let collectstatic run (it never connects to the database or mail).
RUN DEBUG=false \
    SECRET_KEY=build-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@127.0.0.1:5432/build \
    EMAIL_URL=consolemail:// \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 app && chown -R app:app /app
USER app

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1

# Start-up refuses a dangerous environment (communityrule/checks.py: insecure
# session cookie, too many trusted proxies, console email, vitals without
# retention) before gunicorn serves anything. ERROR level: Django's own deploy
# warnings are printed but do not block. exec replaces the shell, so gunicorn
# is PID 1 and receives docker stop's SIGTERM itself.
CMD ["sh", "-c", "python manage.py check --deploy --fail-level ERROR && exec gunicorn -c gunicorn.conf.py communityrule.wsgi"]
