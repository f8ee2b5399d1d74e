"""The one shape of a page's write (R14): run the service; on success a message and a redirect; when
the service refuses, the same page again, with the refused form and everything typed (400) or with
the conflict's message (409). Nothing already saved is lost, and no refusal is a 500."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect

from supportdesk.errors import Conflict, InvalidData


def submit(request, write, *, page, done, to):
    """`write()`: the service call, returning what it saved; `page(status=…, invalid=form |
    conflict=message)`: the page shown again; `done`: the success message, or a function of what
    was saved; `to`: where to go then, a URL or a function of what was saved."""
    try:
        saved = write()
    except InvalidData as invalid:
        return page(status=400, invalid=invalid.form)
    except Conflict as conflict:
        typed = {} if conflict.form is None else {"invalid": conflict.form}  # shown again (R14)
        return page(status=409, conflict=conflict.message, **typed)
    messages.success(request, done(saved) if callable(done) else done)
    return redirect(to(saved) if callable(to) else to)


def list_page(request, queryset, size: int) -> dict:
    """A list's page of ?page= and the query string of its filters, for the page links."""
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": Paginator(queryset, size).get_page(request.GET.get("page")), "query": query.urlencode()}
