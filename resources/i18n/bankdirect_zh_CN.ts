<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AccountDialog</name>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="23"/>
        <source>Edit bank account</source>
        <translation>编辑银行账户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="23"/>
        <source>New bank account</source>
        <translation>新增银行账户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="29"/>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="29"/>
        <source>e.g. China Merchants Bank</source>
        <translation>例如：招商银行</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="30"/>
        <source>Branch</source>
        <translation>开户网点</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="31"/>
        <source>CNAPS code</source>
        <translation>联行号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="31"/>
        <source>12 digits</source>
        <translation>12 位数字</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="32"/>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="32"/>
        <source>Digits only</source>
        <translation>仅限数字</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="33"/>
        <source>Account name</source>
        <translation>户名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="34"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="35"/>
        <source>Bank connection plugin</source>
        <translation>银行直联插件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="35"/>
        <source>Optional, e.g. cmb_fbsdk</source>
        <translation>可选，例如 cmb_fbsdk</translation>
    </message>
</context>
<context>
    <name>AccountsView</name>
    <message>
        <location filename="../../ui/views/accounts.py" line="34"/>
        <source>Accounts and balances</source>
        <translation>账户与余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="38"/>
        <source>Add account…</source>
        <translation>新增账户…</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="40"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="42"/>
        <location filename="../../ui/views/accounts.py" line="98"/>
        <source>Deactivate</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="44"/>
        <source>Show inactive</source>
        <translation>显示已停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="53"/>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="54"/>
        <source>Branch</source>
        <translation>开户网点</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="55"/>
        <source>CNAPS code</source>
        <translation>联行号</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="56"/>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="57"/>
        <source>Account name</source>
        <translation>户名</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="58"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="59"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="59"/>
        <source>not queried yet</source>
        <translation>尚未查询</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="60"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="60"/>
        <source>Active</source>
        <translation>启用中</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="60"/>
        <source>Inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="98"/>
        <source>Activate</source>
        <translation>启用</translation>
    </message>
</context>
<context>
    <name>AddUserDialog</name>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="19"/>
        <source>New user</source>
        <translation>新增用户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="24"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="24"/>
        <source>Used to log in</source>
        <translation>用于登录</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="25"/>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="26"/>
        <source>Initial password</source>
        <translation>初始密码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="27"/>
        <source>Repeat password</source>
        <translation>确认密码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="29"/>
        <source>Roles</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="34"/>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="36"/>
        <source>Give the user at least one role.</source>
        <translation>请至少为用户分配一个角色。</translation>
    </message>
</context>
<context>
    <name>AdminView</name>
    <message>
        <location filename="../../ui/views/admin.py" line="23"/>
        <source>Organization</source>
        <translation>单位信息</translation>
    </message>
    <message>
        <location filename="../../ui/views/admin.py" line="24"/>
        <source>Users and roles</source>
        <translation>用户与角色</translation>
    </message>
</context>
<context>
    <name>Area</name>
    <message>
        <location filename="../../ui/main_window.py" line="45"/>
        <source>Dashboard</source>
        <translation>仪表盘</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="46"/>
        <source>Payment vouchers</source>
        <translation>付款凭证</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="47"/>
        <source>Approval inbox</source>
        <translation>审批</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="48"/>
        <source>USB-key signing</source>
        <translation>U盾签名</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="49"/>
        <source>Payment monitor</source>
        <translation>支付监控</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="50"/>
        <source>Electronic receipts</source>
        <translation>电子回单</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="51"/>
        <source>Reconciliation</source>
        <translation>对账</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="52"/>
        <source>Accounts and balances</source>
        <translation>账户与余额</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="53"/>
        <source>Payees</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="54"/>
        <source>Risk and alerts</source>
        <translation>风险与预警</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="55"/>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="56"/>
        <source>Administration</source>
        <translation>系统管理</translation>
    </message>
</context>
<context>
    <name>AuditView</name>
    <message>
        <location filename="../../ui/views/audit.py" line="27"/>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="35"/>
        <source>Verify chain</source>
        <translation>校验日志链</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="47"/>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="48"/>
        <source>Time (UTC)</source>
        <translation>时间 (UTC)</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="49"/>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="50"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="51"/>
        <source>Object</source>
        <translation>对象</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="52"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="68"/>
        <source>Only administrators and auditors can read the audit log.</source>
        <translation>只有管理员和审计人员可以查看审计日志。</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="77"/>
        <source>Verifying the audit chain…</source>
        <translation>正在校验审计日志链…</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="81"/>
        <source>Chain intact: {n} entries verified.</source>
        <translation>日志链完整：已校验 {n} 条记录。</translation>
    </message>
    <message>
        <location filename="../../ui/views/audit.py" line="85"/>
        <source>CHAIN BROKEN at entry {seq}: {reason}</source>
        <translation>日志链已损坏，位置：第 {seq} 条：{reason}</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <location filename="../../ui/crash.py" line="45"/>
        <source>Unexpected error</source>
        <translation>意外错误</translation>
    </message>
    <message>
        <location filename="../../ui/crash.py" line="46"/>
        <source>BankDirect hit an unexpected error ({kind}). Nothing further was saved for the failed action.

The details were written to:
{path}

Please send this file to your administrator.</source>
        <translation>银企直联发生意外错误（{kind}）。失败的操作未保存任何内容。

详细信息已写入：
{path}

请将此文件发送给管理员。</translation>
    </message>
</context>
<context>
    <name>DashboardView</name>
    <message>
        <location filename="../../ui/views/dashboard.py" line="61"/>
        <source>Bank accounts</source>
        <translation>银行账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="62"/>
        <source>Payees</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="63"/>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="90"/>
        <source>Loading dashboard…</source>
        <translation>正在加载仪表盘…</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="95"/>
        <source>Unified social credit code: {uscc}</source>
        <translation>统一社会信用代码：{uscc}</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="102"/>
        <source>Audit log: only administrators and auditors can verify it.</source>
        <translation>审计日志：只有管理员和审计人员可以校验。</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="105"/>
        <source>Audit log intact: {n} entries verified.</source>
        <translation>审计日志完整：已校验 {n} 条记录。</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="109"/>
        <source>AUDIT LOG BROKEN at entry {seq}: {reason}</source>
        <translation>审计日志已损坏，位置：第 {seq} 条：{reason}</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="17"/>
        <source>Welcome to BankDirect</source>
        <translation>欢迎使用银企直联</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="18"/>
        <source>This ledger is new. Enter your organization and create the first administrator; the administrator then adds the other users and their roles.</source>
        <translation>这是一个新账套。请填写单位信息并创建第一位管理员；之后由管理员添加其他用户并分配角色。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="23"/>
        <source>Organization name</source>
        <translation>单位名称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="23"/>
        <source>Registered company name</source>
        <translation>工商登记的单位全称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="24"/>
        <source>Unified social credit code</source>
        <translation>统一社会信用代码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="24"/>
        <source>Optional, 18 characters</source>
        <translation>可选，18 位</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="25"/>
        <source>Administrator user name</source>
        <translation>管理员用户名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="26"/>
        <source>Administrator display name</source>
        <translation>管理员显示名称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="27"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="28"/>
        <source>Repeat password</source>
        <translation>确认密码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="29"/>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/first_run_wizard.py" line="36"/>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>FormDialog</name>
    <message>
        <location filename="../../ui/dialogs/form_dialog.py" line="46"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/form_dialog.py" line="50"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/form_dialog.py" line="85"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="20"/>
        <source>BankDirect — log in</source>
        <translation>银企直联 — 登录</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="27"/>
        <source>BankDirect</source>
        <translation>银企直联</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="32"/>
        <source>DEMO ledger — no real payments are made.</source>
        <translation>演示账套 — 不会发生真实付款。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="42"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="43"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="50"/>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="68"/>
        <source>Enter your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="71"/>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="91"/>
        <source>This account is locked after repeated failed log-ins. An administrator must unlock it (or wait until the lock expires).</source>
        <translation>该账户因多次登录失败已被锁定，需由管理员解锁（或等待锁定到期）。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="94"/>
        <source>Locked until {time} UTC.</source>
        <translation>锁定至 {time} (UTC)。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="104"/>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="111"/>
        <source>Wrong user name or password. Too many failed attempts: wait {s} s before trying again.</source>
        <translation>用户名或密码错误。失败次数过多：请等待 {s} 秒后重试。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/login_dialog.py" line="121"/>
        <source>You can try again now.</source>
        <translation>现在可以重试。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/main_window.py" line="71"/>
        <source>BankDirect</source>
        <translation>银企直联</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="73"/>
        <source>{title} — DEMO</source>
        <translation>{title} — 演示</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="105"/>
        <source>DEMO — not real money</source>
        <translation>演示 — 非真实资金</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="113"/>
        <source>{user} ({roles})</source>
        <translation>{user}（{roles}）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="118"/>
        <source>Ledger: {ledger}</source>
        <translation>账套：{ledger}</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="125"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="126"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="130"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="134"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="190"/>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
</context>
<context>
    <name>NotAvailablePage</name>
    <message>
        <location filename="../../ui/views/not_available.py" line="19"/>
        <source>This area is not available yet. It is coming in a later version.</source>
        <translation>功能即将推出：此模块将在后续版本中提供。</translation>
    </message>
</context>
<context>
    <name>Ops</name>
    <message>
        <location filename="../../ui/ops.py" line="244"/>
        <source>Cannot do that</source>
        <translation>无法执行该操作</translation>
    </message>
    <message>
        <location filename="../../ui/ops.py" line="246"/>
        <source>Temporary problem</source>
        <translation>暂时性故障</translation>
    </message>
    <message>
        <location filename="../../ui/ops.py" line="247"/>
        <source>Please try again in a moment.</source>
        <translation>请稍后重试。</translation>
    </message>
    <message>
        <location filename="../../ui/ops.py" line="249"/>
        <source>Integrity check failed</source>
        <translation>完整性校验失败</translation>
    </message>
</context>
<context>
    <name>OrganizationView</name>
    <message>
        <location filename="../../ui/views/organization.py" line="24"/>
        <source>Organization</source>
        <translation>单位信息</translation>
    </message>
    <message>
        <location filename="../../ui/views/organization.py" line="28"/>
        <source>Organization name</source>
        <translation>单位名称</translation>
    </message>
    <message>
        <location filename="../../ui/views/organization.py" line="29"/>
        <source>Unified social credit code</source>
        <translation>统一社会信用代码</translation>
    </message>
    <message>
        <location filename="../../ui/views/organization.py" line="29"/>
        <source>18 characters</source>
        <translation>18 位</translation>
    </message>
    <message>
        <location filename="../../ui/views/organization.py" line="34"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../ui/views/organization.py" line="77"/>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>PayeeDialog</name>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="22"/>
        <source>Edit payee</source>
        <translation>编辑收款人</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="22"/>
        <source>New payee</source>
        <translation>新增收款人</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="28"/>
        <source>Payee name</source>
        <translation>收款人名称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="28"/>
        <source>Full registered name of the payee</source>
        <translation>收款人的登记全称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="29"/>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="29"/>
        <source>Digits only</source>
        <translation>仅限数字</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="30"/>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="30"/>
        <source>e.g. China Merchants Bank</source>
        <translation>例如：招商银行</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="31"/>
        <source>Branch</source>
        <translation>开户网点</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="32"/>
        <source>CNAPS code</source>
        <translation>联行号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="32"/>
        <source>12 digits</source>
        <translation>12 位数字</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="33"/>
        <source>Unified social credit code</source>
        <translation>统一社会信用代码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="33"/>
        <source>Optional, 18 characters</source>
        <translation>可选，18 位</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="34"/>
        <source>Account type</source>
        <translation>账户类型</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="34"/>
        <source>Corporate</source>
        <translation>对公</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_dialog.py" line="35"/>
        <source>Personal</source>
        <translation>对私</translation>
    </message>
</context>
<context>
    <name>PayeesView</name>
    <message>
        <location filename="../../ui/views/payees.py" line="47"/>
        <source>Payees</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="53"/>
        <source>Search name, account number or bank…</source>
        <translation>搜索名称、账号或开户银行…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="56"/>
        <source>Add payee…</source>
        <translation>新增收款人…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="58"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="60"/>
        <source>Deactivate</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="62"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="71"/>
        <source>Corporate</source>
        <translation>对公</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="71"/>
        <source>Personal</source>
        <translation>对私</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="74"/>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="75"/>
        <source>Payee name</source>
        <translation>收款人名称</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="76"/>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="78"/>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="79"/>
        <source>Branch</source>
        <translation>开户网点</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="80"/>
        <source>CNAPS code</source>
        <translation>联行号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="82"/>
        <source>Unified social credit code</source>
        <translation>统一社会信用代码</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="83"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="133"/>
        <source>{n} payees</source>
        <translation>共 {n} 个收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="165"/>
        <source>Export payees</source>
        <translation>导出收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="166"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="190"/>
        <source>Exported {n} payees to {path}</source>
        <translation>已导出 {n} 个收款人到 {path}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="191"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
</context>
<context>
    <name>Problem</name>
    <message>
        <location filename="../../ui/problems.py" line="17"/>
        <location filename="../../ui/problems.py" line="18"/>
        <source>This field is required.</source>
        <translation>此项为必填项。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="19"/>
        <source>This card number fails its check digit; please double-check it.</source>
        <translation>该卡号校验位不符，请核对。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="20"/>
        <source>A user name is 2 to 32 characters: a lower-case letter first, then lower-case letters, digits, &apos;_&apos;, &apos;.&apos; or &apos;-&apos;.</source>
        <translation>用户名为 2 至 32 个字符：以小写字母开头，其后可用小写字母、数字、“_”、“.”或“-”。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="22"/>
        <source>The account number must be digits only, with the length the bank uses.</source>
        <translation>账号只能由数字组成，且长度须符合银行要求。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="24"/>
        <source>The CNAPS bank code must be 12 digits of a known bank.</source>
        <translation>联行号须为 12 位数字，且为已知银行。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="25"/>
        <source>The CNAPS check digit does not match; please verify the bank code.</source>
        <translation>联行号校验位不符，请核对联行号。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="27"/>
        <source>The unified social credit code is not valid (18 characters with a correct check character).</source>
        <translation>统一社会信用代码无效（须为 18 位且校验码正确）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="29"/>
        <source>Contains characters that are not allowed (control, direction-override, zero-width characters or emoji).</source>
        <translation>含有不允许的字符（控制字符、方向控制符、零宽字符或表情符号）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="31"/>
        <source>Contains characters the bank cannot transmit (not in GBK); please use common characters.</source>
        <translation>含有银行无法传输的字符（不在 GBK 字符集内），请使用常用字。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="33"/>
        <source>Too long for the bank&apos;s field.</source>
        <translation>长度超过银行字段限制。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="34"/>
        <source>Unknown currency code.</source>
        <translation>未知的币种代码。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="35"/>
        <source>This already exists in the ledger.</source>
        <translation>该记录已存在。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="36"/>
        <source>User names use letters, digits, dot, dash or underscore.</source>
        <translation>用户名只能使用字母、数字、点、连字符或下划线。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="37"/>
        <source>The password is too short.</source>
        <translation>密码太短。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="38"/>
        <source>The password is too weak: at least 10 characters, at least 4 different ones, and not based on the user name.</source>
        <translation>密码强度不足：至少 10 个字符，至少包含 4 种不同字符，且不能以用户名为主。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="40"/>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="41"/>
        <source>Give the user at least one role.</source>
        <translation>请至少为用户分配一个角色。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="42"/>
        <source>Unknown role.</source>
        <translation>未知角色。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="43"/>
        <source>Nobody can change their own roles: ask another administrator.</source>
        <translation>任何人都不能修改自己的角色：请联系另一位管理员。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="45"/>
        <source>You cannot deactivate yourself.</source>
        <translation>不能停用自己的账户。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="46"/>
        <source>The ledger must keep at least one active administrator.</source>
        <translation>账套中必须至少保留一位启用的管理员。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="47"/>
        <source>You do not have the role needed for this action.</source>
        <translation>您没有执行此操作所需的角色。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="48"/>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="49"/>
        <location filename="../../ui/problems.py" line="51"/>
        <source>Someone else changed this record meanwhile; reopen it and try again.</source>
        <translation>该记录已被他人修改，请重新打开后再试。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="53"/>
        <source>The record no longer exists.</source>
        <translation>该记录已不存在。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="54"/>
        <source>This ledger already has an organization.</source>
        <translation>该账套已存在单位信息。</translation>
    </message>
</context>
<context>
    <name>Role</name>
    <message>
        <location filename="../../ui/widgets/roles.py" line="15"/>
        <source>Maker</source>
        <translation>经办</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/roles.py" line="16"/>
        <source>Approver</source>
        <translation>审批</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/roles.py" line="17"/>
        <source>Signer (USB key holder)</source>
        <translation>签名（U盾持有人）</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/roles.py" line="18"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/roles.py" line="19"/>
        <source>Auditor</source>
        <translation>审计</translation>
    </message>
</context>
<context>
    <name>RolesDialog</name>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="47"/>
        <source>Roles of {user}</source>
        <translation>{user} 的角色</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="48"/>
        <source>Separation of duties: a maker cannot approve or sign their own payments, and nobody can change their own roles.</source>
        <translation>职责分离：经办人不能审批或签名自己经办的付款，任何人都不能修改自己的角色。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="55"/>
        <source>Roles</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/user_dialog.py" line="60"/>
        <source>Give the user at least one role.</source>
        <translation>请至少为用户分配一个角色。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../ui/dialogs/settings_dialog.py" line="15"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_dialog.py" line="21"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_dialog.py" line="26"/>
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_dialog.py" line="28"/>
        <source>A new language takes effect the next time BankDirect starts.</source>
        <translation>新的界面语言将在下次启动银企直联时生效。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_dialog.py" line="34"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_dialog.py" line="35"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>UsersView</name>
    <message>
        <location filename="../../ui/views/users.py" line="39"/>
        <source>Users and roles</source>
        <translation>用户与角色</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="43"/>
        <source>Add user…</source>
        <translation>新增用户…</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="45"/>
        <source>Change roles…</source>
        <translation>修改角色…</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="47"/>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="49"/>
        <location filename="../../ui/views/users.py" line="114"/>
        <source>Deactivate</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="56"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="57"/>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="58"/>
        <source>Roles</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="59"/>
        <source>Failed log-ins</source>
        <translation>登录失败次数</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="60"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="81"/>
        <source>Inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="83"/>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="84"/>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../ui/views/users.py" line="114"/>
        <source>Activate</source>
        <translation>启用</translation>
    </message>
</context>
</TS>
