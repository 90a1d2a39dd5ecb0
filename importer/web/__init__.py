"""`tf-import web`: the month's work on a local web page, on the same emission service as the CLI.

`servidor` starts it (port, token, browser), `app` holds the routes, `seguridad` the checks every
request passes (Host, token cookie, cross-site POSTs, upload size), `mesa` the server-side state
(the planilla, its validation, the one job) and `trabajo` a job running in a server thread.
"""
