# syntax=docker/dockerfile:1
# One image holds both processes; the target picks which one runs:
#   docker build --target api -t orproject-api .        (the default: the last stage)
#   docker build --target worker -t orproject-worker .
# docker-compose.yml builds both. Untested in the repository's CI (no Docker engine there).
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORKDIR /src
COPY . .
# The admin pages vendor Chart.js from npm at build time (Admin/package-lock.json pins it).
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,id=orproject-nuget,target=/root/.nuget/packages \
    dotnet publish Api/OrProject.Api.csproj -c Release -o /out/api \
 && dotnet publish Worker/OrProject.Worker.csproj -c Release -o /out/worker

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
# curl for the health checks (the .NET runtime images ship without one).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/api /app/api
COPY --from=build /out/worker /app/worker
# DOTNET_GCgen0size: an 8 MiB gen0 budget, about 115 MB less memory a process (see eng/orp/apps.sh).
# The hosts bind from ORP_BIND/ORP_HTTP_PORT (api) and ORP_WORKER_PORT (worker); the image's default
# ASPNETCORE_HTTP_PORTS would only produce an "overriding" warning.
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_GCgen0size=0x800000 \
    ORP_BIND=0.0.0.0 \
    ORP_HTTP_PORT=8080 \
    ORP_WORKER_PORT=8081
USER $APP_UID

FROM runtime AS worker
# Health endpoints only, inside the container. ORP_WORKER_ID defaults to the container's hostname, so that
# `docker compose up --scale worker=N` gives every replica its own name.
ENV ORP_BIND=127.0.0.1
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=6 \
  CMD curl -fsS "http://127.0.0.1:${ORP_WORKER_PORT}/health/ready" >/dev/null || exit 1
ENTRYPOINT ["/bin/sh", "-c", "export ORP_WORKER_ID=\"${ORP_WORKER_ID:-worker-${HOSTNAME:-$(cat /etc/hostname)}}\"; exec dotnet /app/worker/OrProject.Worker.dll \"$@\"", "orp-worker"]

FROM runtime AS api
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=6 \
  CMD curl -fsS "http://127.0.0.1:${ORP_HTTP_PORT}/health/ready" >/dev/null || exit 1
ENTRYPOINT ["dotnet", "/app/api/OrProject.Api.dll"]
