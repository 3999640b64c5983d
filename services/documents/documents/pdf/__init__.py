"""How a printed document is drawn (`documents.render` holds the documents themselves):
`identity` (meta, verification code, layouts, content fingerprint), `blocks` (a layout's block
types), `canvas` (the page furniture — watermark, QR code, page numbers — and the PDF)."""
