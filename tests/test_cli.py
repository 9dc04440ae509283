"""The ``servicehall`` command, run as a newcomer would: a fresh SQLite file, then data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from tests.conftest import free_port
from tests.kiosk.support import persisted

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servicehall", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        input=stdin,
    )


def test_migrate_then_demo_data_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env["SERVICEHALL_DATABASE_URL"] = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    refused = _run("demo-data", env=env)
    assert refused.returncode == 1 and "servicehall migrate" in refused.stderr
    assert _run("migrate", env=env).returncode == 0
    again = _run("migrate", env=env)
    assert "无需迁移" in again.stdout
    loaded = _run("demo-data", "--enterprises", "5", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "已加载演示数据" in loaded.stdout
    assert "已存在" in _run("demo-data", env=env).stdout


def test_bad_settings_are_reported_not_raised(tmp_path: Path) -> None:
    env = dict(os.environ, SERVICEHALL_ENV="staging")
    result = _run("migrate", env=env)
    assert result.returncode == 2
    assert "SERVICEHALL_ENV" in result.stderr and "Traceback" not in result.stderr


def test_export_schema_prints_the_sdl() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    result = _run("export-schema", env=env)
    assert result.returncode == 0
    assert result.stdout == (ROOT / "schema.graphql").read_text(encoding="utf-8")


def test_operator_commands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env["SERVICEHALL_DATABASE_URL"] = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    assert _run("migrate", env=env).returncode == 0
    loaded = _run("demo-data", "--items", "5", "--enterprises", "2", env=env)
    assert "演示账号" in loaded.stdout and "doumen-portal" in loaded.stdout
    rotated = _run("keys", "rotate", env=env)
    assert rotated.returncode == 0 and "新的签名密钥" in rotated.stdout
    # LIC-4: the licence key set rotates apart from the token keys; a withdrawn key's
    # licences are signed again with the current one
    (old_line,) = _run("keys", "list", "--purpose", "license", env=env).stdout.splitlines()
    old_kid = old_line.split()[0]
    assert old_kid.startswith("license-") and "Ed25519" in old_line and "在用" in old_line
    licence = _run("keys", "rotate", "--purpose", "license", env=env)
    assert licence.returncode == 0 and "证照签名密钥" in licence.stdout
    new_kid = licence.stdout.split("证照签名密钥 ", 1)[1].split("；", 1)[0]
    in_use = _run("keys", "withdraw", new_kid, env=env)
    assert in_use.returncode == 1 and "keys rotate" in in_use.stderr
    withdrawn = _run("keys", "withdraw", old_kid, env=env)
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "已撤回密钥" in withdrawn.stdout and "重新签名证照" in withdrawn.stdout
    assert "重新签名证照 0 张" not in withdrawn.stdout
    states = _run("keys", "list", "--purpose", "license", env=env).stdout
    assert f"{old_kid}  Ed25519" in states and "已撤回" in states
    machine = _run(
        "clients",
        "add",
        "--client-id",
        "tax-system",
        "--name",
        "区税务局征管系统",
        "--kind",
        "machine",
        "--scope",
        "ingest:tax",
        "--department",
        "SWJ",
        env=env,
    )
    assert machine.returncode == 0 and "客户端密钥" in machine.stdout
    bad = _run(
        "clients",
        "add",
        "--client-id",
        "spa",
        "--name",
        "某应用",
        "--kind",
        "public",
        "--redirect-uri",
        "http://evil.example/cb",
        env=env,
    )
    assert bad.returncode == 1 and "https" in bad.stderr and "Traceback" not in bad.stderr
    no_secret = _run(
        "idp",
        "add",
        "--slug",
        "city",
        "--name",
        "珠海市统一身份认证平台",
        "--issuer",
        "https://sso.zhuhai.example.cn",
        "--client-id",
        "doumen",
        env=env,
    )
    assert no_secret.returncode == 1 and "密钥" in no_secret.stderr
    added = _run(
        "idp",
        "add",
        "--slug",
        "city",
        "--name",
        "珠海市统一身份认证平台",
        "--issuer",
        "https://sso.zhuhai.example.cn",
        "--client-id",
        "doumen",
        env=env,
        stdin="s" * 32 + "\n",
    )
    assert added.returncode == 0 and "/auth/upstream/city/callback" in added.stdout


def test_demo_data_is_refused_in_prod(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")} | {
        "SERVICEHALL_ENV": "prod",
        "SERVICEHALL_DATABASE_URL": f"sqlite://{tmp_path / 'hall.sqlite3'}",
        "SERVICEHALL_PUBLIC_URL": "https://zwfw.example.cn",
        "SERVICEHALL_SECRET_KEY": "k" * 40,
    }
    refused = _run("demo-data", env=env)
    assert refused.returncode == 2 and "生产环境" in refused.stderr


def test_import_csv_all_or_nothing_and_jobs(tmp_path: Path) -> None:
    """ENT-15 from the command line: the feed rules, a header check, line numbers in errors;
    ENT-12's reminder job is idempotent."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env["SERVICEHALL_DATABASE_URL"] = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    assert _run("migrate", env=env).returncode == 0
    assert _run("demo-data", "--items", "5", "--enterprises", "3", env=env).returncode == 0
    year = date.today().year - 1
    header = "creditCode,voucherNumber,taxType,year,month,amount,periodStart,periodEnd,authority"
    lines = [
        f"{DEMO_CREDIT_CODE},34404039{n:08d},{kind},{year},{n % 12 + 1},{n}.10,"
        f"{year}-01-01,{year}-01-31,国家税务总局珠海市斗门区税务局"
        for n, kind in zip(range(1, 41), ["印花税", "STAMP", "stamp", "房产税"] * 10, strict=True)
    ]
    good = tmp_path / "tax.csv"
    good.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8-sig")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join([header, lines[0].replace(",1.10,", ",-1,"), *lines[1:]]) + "\n", "utf-8"
    )
    rejected = _run("import", "tax", str(bad), env=env)
    assert rejected.returncode == 1
    assert "第2行 amount" in rejected.stderr and "未写入任何记录" in rejected.stderr
    imported = _run("import", "tax", str(good), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "新增40条，更新0条，未变0条" in imported.stdout
    assert "未变40条" in _run("import", "tax", str(good), env=env).stdout

    gbk = tmp_path / "gbk.csv"
    gbk.write_text("\n".join([header, *lines]) + "\n", encoding="gb18030")
    wrong = _run("import", "tax", str(gbk), env=env)
    assert wrong.returncode == 2 and "--encoding gb18030" in wrong.stderr
    assert "未变40条" in _run("import", "tax", str(gbk), "--encoding", "gb18030", env=env).stdout
    columns = tmp_path / "columns.csv"
    columns.write_text("creditCode,voucher\n1,2\n", encoding="utf-8")
    header_error = _run("import", "tax", str(columns), env=env)
    assert header_error.returncode == 2
    assert "缺少必填列" in header_error.stderr and "未知的列：voucher" in header_error.stderr
    assert "文件不存在" in _run("import", "insurance", str(tmp_path / "no.csv"), env=env).stderr

    job = _run("jobs", "run", "reminders", env=env)
    assert job.returncode == 0 and "新增0条，更新0条，撤销0条" in job.stdout
    digest = _run("jobs", "run", "digest", env=env)
    assert digest.returncode == 0 and "企业每日邮件" in digest.stdout, digest.stderr
    follow = _run("jobs", "run", "follow-ups", env=env)
    assert follow.returncode == 0, follow.stderr
    outbox = _run("jobs", "run", "outbox", env=env)
    assert outbox.returncode == 0, outbox.stderr  # delivers what the jobs queued, to the log


def test_kiosk_devices_and_the_kiosk_process(tmp_path: Path) -> None:
    """STA-4 from the command line: register a terminal at a station (its secret printed
    once), run the kiosk for that station with the device's credentials, revoke it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env["SERVICEHALL_DATABASE_URL"] = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    assert _run("migrate", env=env).returncode == 0
    loaded = _run("demo-data", "--enterprises", "2", env=env)
    assert "6个镇街办事站" in loaded.stdout and "村居办事点" in loaded.stdout
    unknown = _run("kiosk-devices", "add", "--station", "440403999", "--name", "某终端", env=env)
    assert unknown.returncode == 1 and "不存在" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    added = _run(
        "kiosk-devices", "add", "--station", "440403100", "--name", "井岸镇办事站1号终端", env=env
    )
    assert added.returncode == 0, added.stderr
    client_id = "kiosk-440403100-01"
    assert client_id in added.stdout
    secret = added.stdout.split("终端密钥（只显示这一次，请只配置在该终端的 kiosk 进程中）：")[1]
    secret = secret.split()[0]
    assert f"{client_id}\t440403100\t在用" in _run("kiosk-devices", "list", env=env).stdout

    port = free_port()
    kiosk_env = env | {
        "SERVICEHALL_KIOSK_CLIENT_ID": client_id,
        "SERVICEHALL_KIOSK_CLIENT_SECRET": secret,
        "SERVICEHALL_KIOSK_IDLE_SECONDS": "45",
    }
    command = [sys.executable, "-m", "servicehall", "kiosk", "--station", "440403100"]
    with subprocess.Popen(
        [*command, "--port", str(port)],
        env=kiosk_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            status = _wait_for(f"http://127.0.0.1:{port}/status", process)
            assert status["registered"] is True and status["station"] == "440403100"
            assert status["idleSeconds"] == 45 and status["hall"] == "up"
            home = httpx.post(
                f"http://127.0.0.1:{port}/graphql", json=persisted("KioskHome"), timeout=30
            )
            assert home.status_code == 200 and len(home.json()["data"]["towns"]) == 6
        finally:
            process.terminate()
            process.communicate(timeout=30)
    revoked = _run(
        "kiosk-devices", "revoke", "--client-id", client_id, "--reason", "终端迁往他处", env=env
    )
    assert revoked.returncode == 0 and "已撤销" in revoked.stdout
    assert f"{client_id}\t440403100\t已撤销" in _run("kiosk-devices", "list", env=env).stdout


def _wait_for(url: str, process: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the kiosk exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            response = httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.3)
            continue
        body: dict[str, Any] = response.json()
        return body
    raise AssertionError(f"{url} did not answer within 60 s")


def test_items_export_and_a_bulk_change_as_one_request(tmp_path: Path) -> None:
    """ITEM-4: the registry as JSON Lines; a department's list with one change becomes one
    request (unchanged lines left out), a bad file or basis submits nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env["SERVICEHALL_DATABASE_URL"] = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    assert _run("migrate", env=env).returncode == 0
    assert _run("demo-data", "--enterprises", "2", env=env).returncode == 0
    exported = _run("items", "export", "--output", str(tmp_path / "items.jsonl"), env=env)
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert f"已导出{len(lines)}个事项" in exported.stderr
    by_code = {line["code"]: line for line in lines}
    assert by_code["SCJG-QT-0901"]["versions"][0]["status"] == "proposed"  # the demo's 新增
    published = [line for line in lines if line["status"] == "active"]
    assert all(v["content"]["name"] for line in published for v in line["versions"])
    busy = {
        v["content"]["name"]
        for line in lines
        for v in line["versions"]
        if v["status"] == "proposed"
    }
    mine = [
        line
        for line in published
        if line["code"].startswith("SCJG-")
        and not any(v["status"] == "proposed" for v in line["versions"])
        and line["versions"][-1]["content"]["name"] not in busy
    ][:3]
    changed = json.loads(json.dumps(mine[0]))
    changed["versions"][-1]["content"]["phone"] = "0756-5512345"
    bulk = tmp_path / "bulk.jsonl"
    bulk.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in (changed, mine[1], mine[2])) + "\n"
    )
    basis = "《广东省政务服务事项目录管理办法》第十二条"
    no_basis = _run("items", "import", str(bulk), "--editor", "scjg002", "--basis", "x", env=env)
    assert no_basis.returncode == 1 and "《" in no_basis.stderr
    done = _run("items", "import", str(bulk), "--editor", "scjg002", "--basis", basis, env=env)
    assert done.returncode == 0, done.stderr
    assert "（调整，1个事项）" in done.stdout
    again = _run("items", "import", str(bulk), "--editor", "scjg002", "--basis", basis, env=env)
    assert again.returncode == 1 and "在办" in again.stderr
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"code": "SCJG-XK-0001", "change": "add"}\nnot json\n')
    bad = _run("items", "import", str(broken), "--editor", "scjg002", "--basis", basis, env=env)
    assert bad.returncode == 1 and "第1行" in bad.stderr
