handler () {
  EVENT_DATA=$1
  echo "handling $EVENT_DATA" 1>&2
  echo "{\"shell\": true, \"received\": $EVENT_DATA}"
}
