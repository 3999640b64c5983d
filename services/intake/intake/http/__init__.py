"""intake's HTTP edge: who is calling (`auth`), problem details (`problems`), the OpenAPI
document (`openapi`), and the endpoints that only pass a request on: the staff desk delegating to
review (`staff`), printed lists rendered by documents (`lists`), notifications read from notify
(`notifications`), and the public routes (`public`: health, openapi.json, verification of
printed documents, the unknown-route fallback)."""
