#!/usr/bin/with-contenv bashio
# Maps the add-on options onto lee reporter's environment; /data is the add-on's
# private persistent folder (tokens, last reported endpoint set, health).
export HOME_ASSISTANT_URL="$(bashio::config 'home_assistant_url')"
export HOME_ASSISTANT_TOKEN="$(bashio::config 'home_assistant_token')"
export ALEXA_CLIENT_ID="$(bashio::config 'alexa_client_id')"
export ALEXA_CLIENT_SECRET="$(bashio::config 'alexa_client_secret')"
export LEE_ALEXA_REGION="$(bashio::config 'alexa_region')"
export LEE_REPORTER_STATE_DIR=/data
export LEE_COMPONENTS_DIR=/opt/components
exec /usr/local/bin/lee reporter
