#!/bin/sh
# One-shot (temporalio/admin-tools): registers the shop's namespace once the server answers.
# TEMPORAL_TLS_* flags are passed when docker-compose.mtls.yml turns mTLS on.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}"

tls=""
if [ -n "${TEMPORAL_TLS_CERT:-}" ]; then
  tls="--tls-cert-path ${TEMPORAL_TLS_CERT} --tls-key-path ${TEMPORAL_TLS_KEY} --tls-ca-path ${TEMPORAL_TLS_CA}"
  [ -n "${TEMPORAL_TLS_SERVER_NAME:-}" ] && tls="$tls --tls-server-name ${TEMPORAL_TLS_SERVER_NAME}"
fi

attempt=1
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" $tls; do
  [ "$attempt" -ge 60 ] && { echo "Temporal did not become healthy"; exit 1; }
  attempt=$((attempt + 1)); sleep 2
done
if temporal operator namespace describe -n "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" $tls >/dev/null 2>&1; then
  echo "Namespace $TEMPORAL_NAMESPACE exists."
else
  temporal operator namespace create -n "$TEMPORAL_NAMESPACE" --retention "${TEMPORAL_RETENTION:-720h}" \
    --address "$TEMPORAL_ADDRESS" $tls
  echo "Namespace $TEMPORAL_NAMESPACE created."
fi
