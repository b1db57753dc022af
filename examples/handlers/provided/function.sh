# The handler for examples/handlers/provided/bootstrap: the event is $1, the response is
# what the function prints on stdout; stderr goes to the function's log.
handler () {
  echo "handling: $1" >&2
  printf '{"message": "hello from a shell function", "event": %s}\n' "$1"
}
