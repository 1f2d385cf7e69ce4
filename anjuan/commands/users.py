"""anjuan user add / list / remove: server logins of a campaign on PostgreSQL."""

from __future__ import annotations

import click

from ..cli import cli, console


def _server_db(campaign_url: str):
    from ..db import is_url, open_database
    from ..errors import WorkflowError

    if not is_url(campaign_url):
        raise WorkflowError("登录账号只用于 PostgreSQL 服务器上的评查活动；SQLite 数据库文件没有登录账号，"
                            "按文件分发数据包即可（anjuan pack）")
    return open_database(campaign_url)


@cli.group()
def user():
    """服务器上的登录账号：每位评查人员、组长各用自己的登录账号连接评查活动。"""


@user.command("add")
@click.argument("campaign_url", metavar="URL")
@click.argument("name")
@click.option("--login", required=True, help="PostgreSQL 登录名（小写英文字母、数字、下划线），如 wangmin。")
@click.option("--password-prompt", is_flag=True, help="为该登录设置密码（交互输入，不回显，不写入命令历史）。")
def user_add(campaign_url, name, login, password_prompt):
    """为评查人员或组长设置服务器登录账号，并授予恰好所需的权限。

    \b
    须由创建评查活动的数据库账号（所有者）执行，该账号需有 CREATEROLE 权限。
    评查人员账号只能查看、修改本人的评查记录；组长账号可以导入、抽样、分配、合并、合议、出具通报。
    示例：anjuan user add postgresql://owner@db.example.org/pc2024 王敏 --login wangmin --password-prompt
    """
    from ..db import shown

    password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码") if password_prompt else None
    db = _server_db(campaign_url)
    try:
        from ..postgres.roles import add_login

        with db.session() as s:
            from ..db import campaign_lock

            campaign_lock(s, "users")
            kind, group = add_login(s.connection(), name, login, password)
    finally:
        db.close()
    what = "组长" if kind == "lead" else "评查人员"
    out = console()
    out.print(f"已为{what}“{name}”设置登录账号 {login}（权限组 {group}）。", markup=False)
    out.print(f"{name}连接方式：postgresql://{login}@服务器地址/{_database(campaign_url)}"
              "（密码请通过 PGPASSWORD 环境变量、~/.pgpass 文件或 pg_service.conf 提供，不要写在命令里）", markup=False)
    if kind == "reviewer":
        out.print(f"评查：anjuan review {shown(_as_login(campaign_url, login))}", markup=False)


def _database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or ""


def _as_login(url: str, login: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=login, password=None).render_as_string(hide_password=True)


@user.command("list")
@click.argument("campaign_url", metavar="URL")
def user_list(campaign_url):
    """列出本评查活动的登录账号。

    \b
    示例：anjuan user list postgresql://owner@db.example.org/pc2024
    """
    from ..identity import require_lead
    from ..postgres.roles import list_logins

    db = _server_db(campaign_url)
    try:
        require_lead(db, "查看登录账号")
        with db.read_session() as s:
            rows = list_logins(s.connection())
    finally:
        db.close()
    out = console()
    if not rows:
        out.print("尚未设置登录账号。用法：anjuan user add URL 姓名 --login 登录名")
        return
    for login, name, kind in rows:
        out.print(f"{login:16} {name}（{kind}）", markup=False)


@user.command("remove")
@click.argument("campaign_url", metavar="URL")
@click.argument("login")
def user_remove(campaign_url, login):
    """收回某个登录账号对本评查活动的访问权限（已有的评查记录保留）。

    \b
    示例：anjuan user remove postgresql://owner@db.example.org/pc2024 wangmin
    """
    from ..db import campaign_lock
    from ..postgres.roles import remove_login

    db = _server_db(campaign_url)
    try:
        with db.session() as s:
            campaign_lock(s, "users")
            name = remove_login(s.connection(), login)
    finally:
        db.close()
    console().print(f"已收回登录账号 {login}（{name}）对本评查活动的访问权限。", markup=False)
