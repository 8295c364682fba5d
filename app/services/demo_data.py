"""The demo ledger: a demo organization, several bank accounts, a few dozen payees and one user per role.

Everything here goes through the normal services (validation, permissions, audit), so the demo data is as
well-formed as anything a user would enter.
"""

from __future__ import annotations

from app.domain.identifiers import cnaps_check_digit
from app.domain.users import Actor, Role
from app.services import Services

DEMO_PASSWORD = "demo-password"
DEMO_PLUGIN_ID = "cmb_fbsdk"
DEMO_PROFILE_NAME = "沙箱银行 (DEMO)"
DEMO_LOGIN_NAME = "DEMO"
DEMO_ORG = "演示科技有限公司 (DEMO)"
DEMO_USCC = "91110108MA01XXXXXX"  # replaced by a valid code below

DEMO_USERS = [
    ("maker", "张会计 (经办)", [Role.MAKER]),
    ("approver1", "李主管 (一级审批)", [Role.APPROVER]),
    ("approver2", "王经理 (二级审批)", [Role.APPROVER]),
    ("approver3", "赵总监 (三级审批)", [Role.APPROVER]),
    ("signer", "陈出纳 (U盾持有人)", [Role.SIGNER]),
    ("auditor", "周审计", [Role.AUDITOR]),
]


def cnaps(bank: str, city: str, seq: str) -> str:
    first = f"{bank}{city}{seq}"
    return first + cnaps_check_digit(first)


def _uscc(first17: str) -> str:
    from app.domain.identifiers import uscc_check_char

    return first17 + uscc_check_char(first17)


DEMO_ACCOUNTS = [
    ("招商银行", "招商银行深圳分行营业部", cnaps("308", "5840", "0001"), "755915678810001",
     "演示科技有限公司", "CNY"),
    ("中国工商银行", "中国工商银行北京海淀支行", cnaps("102", "1000", "0234"), "0200004509200112233",
     "演示科技有限公司", "CNY"),
    ("中国建设银行", "中国建设银行上海浦东分行", cnaps("105", "2900", "0451"), "31050161393600001234",
     "演示科技有限公司", "CNY"),
    ("中国银行", "中国银行深圳前海支行", cnaps("104", "5840", "0877"), "745678901234",
     "演示科技有限公司", "USD"),
]

_PAYEE_NAMES = [
    "深圳市华强电子有限公司", "北京中关村软件园发展有限责任公司", "上海浦江物流有限公司", "广州白云化工有限公司",
    "杭州西湖茶业有限公司", "成都天府食品有限公司", "武汉光谷光电科技有限公司", "南京金陵建材有限公司",
    "苏州工业园区精密机械有限公司", "天津港散货物流有限公司", "重庆山城汽车配件有限公司", "西安古城文化传媒有限公司",
    "青岛海滨水产有限公司", "厦门鹭岛贸易有限公司", "长沙湘江印务有限公司", "郑州中原粮油有限公司",
    "沈阳北方重工设备有限公司", "大连星海软件有限公司", "合肥科大讯通信息技术有限公司", "福州闽江纺织有限公司",
    "昆明春城花卉有限公司", "济南泉城医药有限公司", "宁波港城塑料制品有限公司", "无锡太湖半导体有限公司",
    "东莞松山湖模具有限公司", "佛山顺德家电有限公司", "珠海横琴咨询服务有限公司", "南昌洪都航空配件有限公司",
    "贵阳大数据服务有限公司", "哈尔滨冰城乳业有限公司", "石家庄华北制药原料有限公司", "太原晋商能源有限公司",
    "兰州黄河机电有限公司", "乌鲁木齐天山棉业有限公司", "海口椰风旅游服务有限公司", "呼和浩特草原牧业有限公司",
    "北京朝阳办公用品商行", "上海静安律师事务所", "深圳南山物业管理有限公司", "广州天河会计师事务所",
]
_BANKS = [
    ("102", "中国工商银行"), ("103", "中国农业银行"), ("104", "中国银行"), ("105", "中国建设银行"),
    ("301", "交通银行"), ("308", "招商银行"), ("309", "兴业银行"), ("310", "上海浦东发展银行"),
]
_CITIES = [("1000", "北京"), ("2900", "上海"), ("5840", "深圳"), ("5810", "广州"), ("3310", "杭州"),
           ("6510", "成都"), ("5210", "武汉"), ("3010", "南京")]


def demo_payees() -> list[dict]:
    rows = []
    for i, name in enumerate(_PAYEE_NAMES):
        bank_code, bank_name = _BANKS[i % len(_BANKS)]
        city_code, city = _CITIES[(i * 3) % len(_CITIES)]
        code = cnaps(bank_code, city_code, f"{(i * 37) % 10000:04d}")
        account = f"{6200 + i:04d}{(i * 7919) % 10**8:08d}{i % 10}"
        uscc = _uscc(f"9144030{(i * 1234567) % 10**10:010d}") if i % 3 == 0 else None
        district = ["高新", "城东", "开发区", "中心"][i % 4]
        rows.append({"name": name, "account_number": account, "bank_name": bank_name,
                     "branch_name": f"{bank_name}{city}{district}支行",
                     "cnaps_code": code, "uscc": uscc, "kind": "corporate"})
    return rows


def populate_demo(services: Services, admin_username: str = "admin") -> None:
    """Idempotent: a second call finds the data there and adds nothing."""
    if not services.setup.is_initialized():
        services.setup.initialize(DEMO_ORG, admin_username, DEMO_PASSWORD, admin_display_name="系统管理员",
                                  org_uscc=_uscc("91440300MA5G" + "12345"), is_demo=True)
    admin: Actor = services.auth.login(admin_username, DEMO_PASSWORD)
    existing_users = {u.username for u in services.users.list_users(admin)}
    for username, display, roles in DEMO_USERS:
        if username not in existing_users:
            services.users.add_user(admin, username, display, DEMO_PASSWORD, roles)
    existing_accounts = {a.account_number for a in services.master_data.list_accounts(admin, include_inactive=True)}
    for bank, branch, code, number, name, currency in DEMO_ACCOUNTS:
        if number not in existing_accounts:
            services.master_data.add_account(admin, {
                "bank_name": bank, "branch_name": branch, "cnaps_code": code, "account_number": number,
                "account_name": name, "currency": currency, "plugin_id": DEMO_PLUGIN_ID})
    if services.master_data.count_payees(admin, include_inactive=True) == 0:
        for row in demo_payees():
            services.master_data.add_payee(admin, row)
    populate_demo_payments(services, admin)


# Demo payment requests: (payee index, amount, purpose, urgent, what happens to it).
DEMO_PAYMENTS = [
    (0, "12800.00", "电子元器件货款", False, "draft"),
    (1, "3650.50", "软件服务费", False, "pending"),              # awaits approver1 (or 2, 3)
    (2, "86000.00", "物流运输费", True, "pending_one_approved"),  # approver1 approved; awaits a second approver
    (3, "4200.00", "化工原料采购款", False, "approved"),          # ready for the signer
    (4, "9999.00", "茶叶采购款", False, "rejected"),
]
# Made, approved, signed and sent when the demo window opens (second CNY account), so the monitor has history.
DEMO_SENT_PAYMENTS = [
    (0, "23456.78", "电子元器件货款（首批）", False),
    (1, "8800.00", "软件年度服务费", False),
    (4, "1520.00", "茶叶样品费", True),
]


def populate_demo_payments(services: Services, admin: Actor) -> None:
    """The default approval policy (version 1) and a few payment requests in various states (idempotent)."""
    if services.payments is None or services.approvals is None:
        return
    if services.approvals.list_policies(admin)[0].version == 0:
        from app.domain.approval_policy import DEFAULT_POLICY

        services.approvals.save_policy(admin, DEFAULT_POLICY.to_dict())
    if services.payments.list(admin):
        return
    login = services.auth.login
    maker = login("maker", DEMO_PASSWORD)
    approver1 = login("approver1", DEMO_PASSWORD)
    account = next(a for a in services.master_data.list_accounts(admin) if a.currency == "CNY")
    payees = services.master_data.search_payees(admin, "", 0, 100)
    names = [row["name"] for row in demo_payees()]
    by_name = {p.name: p for p in payees}
    for index, amount, purpose, urgent, fate in DEMO_PAYMENTS:
        payee = by_name[names[index]]
        payment = services.payments.create(maker, {"debit_account_id": account.id, "payee_id": payee.id,
                                                   "amount": amount, "purpose": purpose, "urgent": urgent},
                                           override_duplicate=True).entity
        if fate == "draft":
            continue
        services.payments.submit(maker, payment.id, override_duplicate=True)
        if fate in ("approved", "pending_one_approved"):
            services.approvals.approve(approver1, [payment.id], password=DEMO_PASSWORD)
        elif fate == "rejected":
            services.approvals.reject(approver1, payment.id, "请补充采购合同后重新提交")


# Opening balances of the demo accounts in the sandbox bank (minor units), by account number.
DEMO_BALANCES = {
    "755915678810001": 1_286_543_210,
    "0200004509200112233": 356_789_000,
    "31050161393600001234": 98_765_432,
    "745678901234": 12_345_678,
}


def demo_sandbox_accounts() -> list[dict]:
    """What the sandbox bank must hold for the demo: number, name, bank code, currency, balance."""
    return [{"account": number, "name": name, "bank_code": code, "currency": currency,
             "balance_minor": DEMO_BALANCES[number]}
            for _bank, _branch, code, number, name, currency in DEMO_ACCOUNTS]


def setup_demo_connection(services: Services, files: dict, port: int, *, pins: list[str] | None = None,
                          admin_username: str = "admin"):
    """The demo connection profile pointing at the sandbox bank on 127.0.0.1:port (created once, its port
    updated later), and every demo account linked to it. ``files``: paths of the sandbox's ca, client
    certificate and key and bank signing certificate."""
    admin: Actor = services.auth.login(admin_username, DEMO_PASSWORD)
    profiles = services.profiles
    url = f"https://127.0.0.1:{port}"
    existing = next((p for p in profiles.list_profiles(admin) if p.name == DEMO_PROFILE_NAME), None)
    if existing is None:
        profile = profiles.save_profile(admin, {
            "name": DEMO_PROFILE_NAME, "plugin_id": DEMO_PLUGIN_ID, "base_url": url,
            "settings": {"login_name": DEMO_LOGIN_NAME}, "ca_cert_file": str(files["ca"]),
            "client_cert_file": str(files["client_cert"]), "client_key_file": str(files["client_key"]),
            "bank_cert_file": str(files["bank_cert"]), "pins": list(pins or []),
            "connect_timeout_s": "5", "read_timeout_s": "30"})
    elif existing.base_url != url:
        profile = profiles.save_profile(admin, {"base_url": url}, profile_id=existing.id,
                                        expected_version=existing.version)
    else:
        profile = existing
    demo_numbers = {row[3] for row in DEMO_ACCOUNTS}
    for account in services.master_data.list_accounts(admin):
        if account.account_number in demo_numbers and account.connection_profile_id != profile.id:
            profiles.link_account(admin, account.id, profile.id)
    return profile


def create_demo_sent_payments(services: Services) -> list[int]:
    """The demo's history batch: made by maker and approved by approver1 on the second CNY account (its own
    signing batch). Returns the payment ids; the caller signs and sends them."""
    admin = services.auth.login("admin", DEMO_PASSWORD)
    maker = services.auth.login("maker", DEMO_PASSWORD)
    approver1 = services.auth.login("approver1", DEMO_PASSWORD)
    cny = [a for a in services.master_data.list_accounts(admin) if a.currency == "CNY" and a.connection_profile_id]
    account = cny[1] if len(cny) > 1 else cny[0]
    by_name = {p.name: p for p in services.master_data.search_payees(admin, "", 0, 100)}
    names = [row["name"] for row in demo_payees()]
    ids = []
    for index, amount, purpose, urgent in DEMO_SENT_PAYMENTS:
        payment = services.payments.create(maker, {"debit_account_id": account.id, "payee_id": by_name[names[index]].id,
                                                   "amount": amount, "purpose": purpose, "urgent": urgent},
                                           override_duplicate=True).entity
        services.payments.submit(maker, payment.id, override_duplicate=True)
        ids.append(payment.id)
    services.approvals.approve(approver1, ids, password=DEMO_PASSWORD)
    return ids
