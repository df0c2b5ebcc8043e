"""Staff pages, one module per page: dashboard, cases, facts (logging detentions and
hearings), intake (New case), search, feeds (calendar), files, people, briefs, backoffice.

Thin: selectors read, services write, every view checks the role and reads through the
one visibility rule.
"""

from casefiles.views.backoffice import admin_shortcut
from casefiles.views.briefs import case_brief, case_brief_pdf
from casefiles.views.cases import case_detail, case_list, case_timeline_page
from casefiles.views.dashboard import dashboard
from casefiles.views.facts import (
    detention_edit,
    detention_log,
    hearing_edit,
    hearing_log,
    sentence_step_edit,
    sentence_step_log,
)
from casefiles.views.feeds import calendar_feed, calendar_issue, calendar_revoke, calendar_settings
from casefiles.views.files import source_file
from casefiles.views.intake import case_new
from casefiles.views.people import person_detail, person_picker
from casefiles.views.search import search

__all__ = [
    "admin_shortcut",
    "calendar_feed",
    "calendar_issue",
    "calendar_revoke",
    "calendar_settings",
    "case_brief",
    "case_brief_pdf",
    "case_detail",
    "case_timeline_page",
    "case_new",
    "case_list",
    "dashboard",
    "detention_edit",
    "detention_log",
    "hearing_edit",
    "hearing_log",
    "person_detail",
    "person_picker",
    "search",
    "sentence_step_edit",
    "sentence_step_log",
    "source_file",
]
