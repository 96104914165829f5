-- wrk script: POSTs the JSON-RPC request in the BODY environment variable.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY")
