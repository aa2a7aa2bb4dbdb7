FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
# requirements.txt installs the researcher's client from ./client (its own distribution)
COPY client ./client
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home lima && chown -R lima /app
USER lima
EXPOSE 8000
