"""Pure rules of the intake service (R-1.…, R-3.…, R-4.4): functions over values, clock passed in.

No I/O here: the nameko service loads, calls these, stores and emits.
"""
from intake.rules.attachments import (AttachmentRequirement, attachment_problems,
                                      required_attachments)
from intake.rules.completeness import completeness, submission_problems
from intake.rules.eligibility import (Bar, Seniority, bar_problems, catalogue_problems,
                                      category_problems, creation_problems, seniority)
from intake.rules.fields import validate_draft_patch, validate_header, validate_sections
from intake.rules.idcard import check_character, id_number_error
from intake.rules.versions import diff_versions

__all__ = ["AttachmentRequirement", "Bar", "Seniority", "attachment_problems", "bar_problems",
           "catalogue_problems", "category_problems", "check_character", "completeness",
           "creation_problems", "diff_versions", "id_number_error", "required_attachments",
           "seniority", "submission_problems", "validate_draft_patch", "validate_header",
           "validate_sections"]
