"""Loading and storing for review's entrypoints: every `session.execute` of the service, in
functions named after what they load or store. No rules here (they are in `review.rules`);
entrypoints call these inside their own transaction.

- `store.applications`: applications as review routes them, their tasks level by level, the
  views of them returned over RPC;
- `store.publicities`: the unit's publicity (R-4.2) and the results' (N-8.6), and objections;
- `store.supplements`: supplement requests (R-4.5) and the sweep's claim of expired ones;
- `store.meetings`: meetings, recusals, ballots (N-8.1…N-8.4), results and cases (N-8.6, N-8.7);
- `store.paper`: paper deliveries, checklists and reminders (R-5.1, R-5.2, R-2.2);
- `store.registry`: what an administrator loads: seasons, the working calendar, organisations
  and committees, and sanctions (R-1.5);
- `store.audit`: the audit chain (R-4.1).
"""
