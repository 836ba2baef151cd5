"""cProfile the payroll benchmarks' service steps at 5,000 employees, one fresh database per call.

  PYTHONPATH=. .venv/bin/python -m tests.benchmarks.profile_payroll uk|it [entries]

UK: open the run, calculate, pay, calculate month 2; Italy: open, calculate. Each step prints its wall and CPU
time, its SQL statements and the CPU the cyclic garbage collector took, then the top `entries` (default 25) by
own CPU time and by cumulative CPU time. PROFILE=0 prints the timings alone (no profiler overhead).
"""
import cProfile
import gc
import io
import os
import pstats
import sys
import time

from sqlalchemy import event, insert

from consortium.app import create_app
from consortium.extensions import db
from consortium.migrations import upgrade
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, tenant_scope
from tenants.payroll import service
from tenants.payroll.models import Employee
from tests.benchmarks import bench_it_payroll as it
from tests.benchmarks import bench_payroll as uk
from tests.benchmarks.common import benchmark_database
from tests.conftest import TEST_SETTINGS

TOP = int(sys.argv[2]) if len(sys.argv) > 2 else 25


GC = {"t": 0.0, "start": 0.0, "n2": 0}


def _gc_timer(phase, info):
    if phase == "start":
        GC["start"] = time.process_time()
    else:
        GC["t"] += time.process_time() - GC["start"]
        GC["n2"] += info["generation"] == 2


gc.callbacks.append(_gc_timer)
PROFILE = os.environ.get("PROFILE", "1") == "1"


def profiled(label, action):
    counter = {"n": 0}
    GC.update(t=0.0, n2=0)

    def count(*_args):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    profile = cProfile.Profile(time.process_time)
    start, cpu = time.perf_counter(), time.process_time()
    if PROFILE:
        profile.enable()
    result = action()
    if PROFILE:
        profile.disable()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    event.remove(db.engine, "before_cursor_execute", count)
    print(f"=== {label}: {wall:.2f} s wall, {cpu:.2f} s CPU (profiled={PROFILE}), {counter['n']} statements, "
          f"gc {GC['t']:.2f} s ({GC['n2']} full collections)")
    if not PROFILE:
        return result
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(TOP)
    print("\n".join(out.getvalue().splitlines()[6:6 + TOP + 3]))
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumtime").print_stats(TOP)
    print("\n".join(out.getvalue().splitlines()[6:6 + TOP + 3]))
    return result


def main(which):
    with benchmark_database() as (kind, config, _url):
        app = create_app({**TEST_SETTINGS, **config})
        with app.app_context():
            upgrade()
            with consortium_scope(db.session):
                from consortium.directory import service as directory
                tenant = directory.create_tenant(db.session, {
                    "slug": "prof", "name": "Prof Co-op", "country": which,
                    "legal_form": "coop_society" if which == "uk" else "social_coop_b", "address": "1 Mill Lane",
                    "city": "Leeds", "postcode": "LS6 2AB" if which == "uk" else "41121"})
            db.session.commit()
            tenant_id = tenant.id
        bench = uk if which == "uk" else it
        pay_date = uk.PAY_DATE if which == "uk" else it.PAY_DATE
        with app.app_context(), tenant_scope(db.session, tenant_id):
            tenant = db.session.get(Tenant, tenant_id)
            if which == "it":
                service.update_settings(db.session, {"jurisdiction_settings": it.RATES}, tenant, pay_date)
            db.session.execute(insert(Employee), [{"tenant_id": tenant_id, "id": n, **row}
                                                  for n, row in enumerate(bench._employee_rows(5000), start=1)])
            db.session.commit()

            def open_run():
                run = service.create_run(db.session, tenant, {"frequency": "monthly", "pay_date": pay_date}, None)
                db.session.commit()
                return run.id
            run_id = profiled(f"{kind} {which} open run", open_run)
            db.session.expunge_all()
            tenant = db.session.get(Tenant, tenant_id)
            run = service.get_run(db.session, run_id)

            def calculate(run=run):
                service.calculate_run(db.session, tenant, run, None)
                db.session.commit()
            profiled(f"{kind} {which} calculate", calculate)
            if which == "it":
                return
            service.update_settings(db.session, {"allow_self_approval": True})
            service.approve_run(db.session, service.get_run(db.session, run_id), None)
            db.session.commit()
            db.session.expunge_all()
            tenant = db.session.get(Tenant, tenant_id)
            run = service.get_run(db.session, run_id)

            def pay(run=run):
                service.pay_run(db.session, tenant, run, None)
                db.session.commit()
            profiled(f"{kind} {which} pay", pay)
            second = service.create_run(db.session, tenant, {"frequency": "monthly",
                                                             "pay_date": uk.SECOND_PAY_DATE}, None)
            db.session.commit()
            second_id = second.id
            db.session.expunge_all()
            tenant = db.session.get(Tenant, tenant_id)
            run = service.get_run(db.session, second_id)

            def month2(run=run):
                service.calculate_run(db.session, tenant, run, None)
                db.session.commit()
            profiled(f"{kind} {which} month 2", month2)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "uk")
