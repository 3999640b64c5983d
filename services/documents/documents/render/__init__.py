"""The documents the system prints (D-1…D-4, R-5.1): pure functions from dicts to PDF bytes.

Every document is A4 with an even number of pages and carries on every page a watermark, a QR
code and its page number (`render.canvas`); its verification code and content fingerprint
identify it (`render.identity`). What is printed where lives in ``layouts/<document>.yaml``;
`render.blocks` only knows how to draw the block types a layout lists. The documents themselves:
`render.forms` (the 评审表, 附件1, 附件2 of an application) and `render.lists` (the staff's
lists, D-4).
"""
from documents.render.forms import render_evaluation_form, render_exemption_form, render_guarantee
from documents.render.identity import (DocumentMeta, RenderedDocument, content_fingerprint,
                                       layout_text, load_layout, qr_url, verification_code)
from documents.render.lists import (render_delivery_list, render_publicity_notice,
                                    render_results_list)

__all__ = ["DocumentMeta", "RenderedDocument", "content_fingerprint", "layout_text", "load_layout",
           "qr_url", "render_delivery_list", "render_evaluation_form", "render_exemption_form",
           "render_guarantee", "render_publicity_notice", "render_results_list",
           "verification_code"]
