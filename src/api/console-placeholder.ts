/** The page at `/` when the web console has not been built into `dist/console`. */
export const consolePlaceholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hourglass</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Hourglass</h1>
<p>The web console has not been built: run <code>npm run build</code> (which <code>npm ci</code>
runs) and restart. The admin API is at <code>/api/admin</code> (bearer token); its description
at <a href="/api/openapi.json">/api/openapi.json</a>. Health: <a href="/healthz">/healthz</a>,
<a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a>.</p>
</body></html>
`;
