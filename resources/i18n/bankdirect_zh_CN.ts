<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AccountDialog</name>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="24"/>
        <source>Edit bank account</source>
        <translation>编辑银行账户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="24"/>
        <source>New bank account</source>
        <translation>新增银行账户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="30"/>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="30"/>
        <source>e.g. China Merchants Bank</source>
        <translation>例如：招商银行</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="31"/>
        <source>Branch</source>
        <translation>开户网点</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="32"/>
        <source>CNAPS code</source>
        <translation>联行号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="32"/>
        <source>12 digits</source>
        <translation>12 位数字</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="33"/>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="33"/>
        <source>Digits only</source>
        <translation>仅限数字</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="34"/>
        <source>Account name</source>
        <translation>户名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="35"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="36"/>
        <source>Bank connection plugin</source>
        <translation>银行直联插件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/account_dialog.py" line="36"/>
        <source>Optional, e.g. cmb_fbsdk</source>
        <translation>可选，例如 cmb_fbsdk</translation>
    </message>
</context>
<context>
    <name>AccountsView</name>
    <message>
        <location filename="../../ui/views/accounts.py" line="71"/>
        <source>Accounts and balances</source>
        <translation>账户与余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="75"/>
        <source>Add account…</source>
        <translation>新增账户…</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="77"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="79"/>
        <location filename="../../ui/views/accounts.py" line="213"/>
        <source>Deactivate</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="81"/>
        <source>Connection profile…</source>
        <translation>连接配置…</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="83"/>
        <source>Show inactive</source>
        <translation>显示已停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="90"/>
        <source>Refresh balances</source>
        <translation>刷新余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="92"/>
        <source>Ask the banks for the current balance of every account</source>
        <translation>向银行查询每个账户的当前余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="106"/>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="107"/>
        <source>Branch</source>
        <translation>开户网点</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="108"/>
        <source>CNAPS code</source>
        <translation>联行号</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="109"/>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="110"/>
        <source>Account name</source>
        <translation>户名</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="111"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="150"/>
        <source>not queried yet</source>
        <translation>尚未查询</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="118"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="112"/>
        <source>Available balance</source>
        <translation>可用余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="114"/>
        <source>Ledger balance</source>
        <translation>账面余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="115"/>
        <source>As of</source>
        <translation>余额时间</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="117"/>
        <source>Connection profile</source>
        <translation>连接配置</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="118"/>
        <source>Active</source>
        <translation>启用中</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="118"/>
        <source>Inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="152"/>
        <source>query failed</source>
        <translation>查询失败</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="161"/>
        <source>not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="177"/>
        <source>Some balances could not be queried:</source>
        <translation>以下账户余额查询失败：</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="188"/>
        <source>Querying the banks for balances…</source>
        <translation>正在向银行查询余额…</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="191"/>
        <source>Refreshing balances…</source>
        <translation>正在刷新余额…</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="195"/>
        <source>Balances could not be refreshed: {error}</source>
        <translation>余额刷新失败：{error}</translation>
    </message>
    <message>
        <location filename="../../ui/views/accounts.py" line="213"/>
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
        <location filename="../../ui/views/admin.py" line="24"/>
        <source>Organization</source>
        <translation>单位信息</translation>
    </message>
    <message>
        <location filename="../../ui/views/admin.py" line="25"/>
        <source>Users and roles</source>
        <translation>用户与角色</translation>
    </message>
    <message>
        <location filename="../../ui/views/admin.py" line="27"/>
        <source>Approval policy</source>
        <translation>审批策略</translation>
    </message>
</context>
<context>
    <name>Alerts</name>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="40"/>
        <source>Double debit</source>
        <translation>重复扣款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="41"/>
        <source>Missing debit</source>
        <translation>扣款缺失</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="42"/>
        <source>Debit on a failed payment</source>
        <translation>失败付款被扣款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="43"/>
        <source>Amount mismatch</source>
        <translation>金额不符</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="44"/>
        <source>Unknown debit</source>
        <translation>未知扣款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="47"/>
        <source>The bank debited this payment more than once. Ask the bank to reverse the extra debit.</source>
        <translation>银行对这笔付款扣款不止一次。请联系银行冲回多扣的款项。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="49"/>
        <source>The payment counts as paid or in progress, but the bank shows no debit one bank day after it was sent. Check with the bank before doing anything else; never pay it again blindly.</source>
        <translation>这笔付款显示为已付款或处理中，但发送后已过一个银行工作日，银行仍无扣款记录。请先向银行核实，切勿贸然重新付款。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="52"/>
        <source>The payment failed or was cancelled here, yet the bank debited it. Do not re-initiate it until this is cleared.</source>
        <translation>这笔付款在本系统中为失败或已取消，但银行已扣款。核清之前请勿重新发起。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="54"/>
        <source>The bank debited a different amount than the payment&apos;s.</source>
        <translation>银行扣款金额与付款金额不一致。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="55"/>
        <source>A debit carries one of our client references but matches no payment of this account.</source>
        <translation>一笔扣款带有本系统的业务参考号，但与该账户的任何付款都对不上。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="59"/>
        <source>Critical</source>
        <translation>严重</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="60"/>
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="61"/>
        <source>Medium</source>
        <translation>中</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="62"/>
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="86"/>
        <source>Payment #{id}</source>
        <translation>付款 #{id}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="90"/>
        <source>Acknowledged by {user} on {at}: {note}</source>
        <translation>{user} 已于 {at} 确认：{note}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="99"/>
        <source>Severity</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="99"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="100"/>
        <source>Payment</source>
        <translation>付款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="100"/>
        <source>Raised</source>
        <translation>发现时间</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="101"/>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
</context>
<context>
    <name>AlertsDialog</name>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="107"/>
        <source>Open alerts</source>
        <translation>未处理的警报</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="117"/>
        <source>Reconciliation compares the bank&apos;s own debits with our payments. Each finding is raised once; acknowledge it with a note once it has been checked with the bank.</source>
        <translation>对账将银行的实际扣款与本系统的付款逐笔核对。每个问题只报警一次；与银行核实后，请填写说明并确认。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="143"/>
        <source>What was checked or done (required, kept in the audit log)</source>
        <translation>核实情况或处理结果（必填，记入审计日志）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="146"/>
        <source>Acknowledge</source>
        <translation>确认处理</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="149"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="160"/>
        <source>Only makers, approvers, signers and administrators acknowledge alerts.</source>
        <translation>只有经办、审批、签名人员和管理员可以确认警报。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="191"/>
        <source>No open alerts.</source>
        <translation>没有未处理的警报。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/alerts_dialog.py" line="232"/>
        <source>Alert #{id} acknowledged.</source>
        <translation>警报 #{id} 已确认。</translation>
    </message>
</context>
<context>
    <name>ApprovalPolicyView</name>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="221"/>
        <source>Approval policy</source>
        <translation>审批策略</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="227"/>
        <source>A payment follows the most specific rule that matches it: account and type, then account, then type, then the catch-all rule. Inside the rule, the first tier whose amount limit covers the payment sets how many approvers it needs.</source>
        <translation>付款按与之匹配的最具体规则审批：先看“账户＋类型”，再看“账户”，再看“类型”，最后是兜底规则。在该规则内，第一个金额上限覆盖付款金额的档位决定所需审批人数。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="257"/>
        <source>Rules (most specific first)</source>
        <translation>规则（最具体的在前）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="261"/>
        <source>Debit account</source>
        <translation>付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="261"/>
        <source>Payment type</source>
        <translation>付款类型</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="262"/>
        <source>Amount tiers: approvers</source>
        <translation>金额档位：审批人数</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="279"/>
        <source>Add rule…</source>
        <translation>添加规则…</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="282"/>
        <source>Remove rule</source>
        <translation>删除规则</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="302"/>
        <source>Up to (empty = any amount)</source>
        <translation>金额上限（留空 = 不限金额）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="302"/>
        <source>Approvers</source>
        <translation>审批人数</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="303"/>
        <source>Required role</source>
        <translation>必需角色</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="317"/>
        <source>Add tier</source>
        <translation>添加档位</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="320"/>
        <source>Remove tier</source>
        <translation>删除档位</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="340"/>
        <source>e.g. 100000.00</source>
        <translation>例如 100000.00</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="346"/>
        <location filename="../../ui/views/approval_policy.py" line="857"/>
        <location filename="../../ui/views/approval_policy.py" line="858"/>
        <source>Password re-entry above (amount)</source>
        <translation>超过此金额需重新输入密码</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="348"/>
        <location filename="../../ui/views/approval_policy.py" line="859"/>
        <source>Duplicate window (days)</source>
        <translation>重复付款检查期（天）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="363"/>
        <location filename="../../ui/views/approval_policy.py" line="723"/>
        <source>Unsaved changes</source>
        <translation>有未保存的修改</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="372"/>
        <location filename="../../ui/views/approval_policy.py" line="727"/>
        <source>Discard changes</source>
        <translation>放弃修改</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="376"/>
        <source>Save new version</source>
        <translation>保存为新版本</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="378"/>
        <source>Save the policy as a new version (Ctrl+S)</source>
        <translation>将策略保存为新版本（Ctrl+S）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="383"/>
        <source>Version history</source>
        <translation>版本历史</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="387"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="387"/>
        <source>Saved by</source>
        <translation>保存人</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="387"/>
        <source>Saved at (UTC)</source>
        <translation>保存时间（UTC）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="437"/>
        <source>Version %1 was saved meanwhile; your unsaved edits start from version %2.</source>
        <translation>其间已有人保存了版本 %1；您未保存的修改基于版本 %2。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="463"/>
        <source>Version 0 (built-in default, never saved)</source>
        <translation>版本 0（内置默认，未保存过）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="464"/>
        <source>Version %1, saved by %2 at %3</source>
        <translation>版本 %1，由 %2 于 %3 保存</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="477"/>
        <source>built-in default</source>
        <translation>内置默认</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="487"/>
        <source>Any account</source>
        <translation>任意账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="490"/>
        <source>Account #%1 (not found)</source>
        <translation>账户 #%1（不存在）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="492"/>
        <source>(deactivated)</source>
        <translation>（已停用）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="496"/>
        <source>Any account · any payment type (catch-all)</source>
        <translation>任意账户 · 任意付款类型（兜底规则）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="503"/>
        <source>above</source>
        <translation>以上</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="540"/>
        <source>Any account (catch-all)</source>
        <translation>任意账户（兜底规则）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="542"/>
        <source>Any type</source>
        <translation>任意类型</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="542"/>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="543"/>
        <source>Urgent</source>
        <translation>加急</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="577"/>
        <source>Tiers of: %1</source>
        <translation>金额档位：%1</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="582"/>
        <source>The catch-all rule (any account, any payment type) cannot be removed: it covers every payment no other rule matches.</source>
        <translation>兜底规则（任意账户、任意付款类型）不能删除：其他规则都不匹配的付款由它覆盖。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="585"/>
        <source>Remove the selected rule (Delete)</source>
        <translation>删除所选规则（Delete）</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="617"/>
        <source>Rule added: %1. Edit its tiers, then save.</source>
        <translation>已添加规则：%1。请编辑其金额档位，然后保存。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="631"/>
        <source>Rule removed: %1 (not saved yet).</source>
        <translation>已删除规则：%1（尚未保存）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="724"/>
        <source>The approval policy has changes that are not saved. Discard them?</source>
        <translation>审批策略有未保存的修改。要放弃这些修改吗？</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="729"/>
        <source>Keep editing</source>
        <translation>继续编辑</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="777"/>
        <source>No changes to save.</source>
        <translation>没有需要保存的修改。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="809"/>
        <source>Saved as version %1.</source>
        <translation>已保存为版本 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="816"/>
        <source>Approvers: a whole number from 1 to 9.</source>
        <translation>审批人数：1 到 9 的整数。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="817"/>
        <source>A whole number of days from 0 to 366.</source>
        <translation>天数须为 0 到 366 的整数。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="818"/>
        <source>The amount limits must increase from one tier to the next.</source>
        <translation>各档位的金额上限必须逐档递增。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="819"/>
        <source>Only the last tier may leave the amount empty.</source>
        <translation>只有最后一档可以不填金额上限。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="820"/>
        <source>The last tier must leave the amount empty (no upper limit) so that every amount is covered.</source>
        <translation>最后一档必须不填金额上限（不限金额），以覆盖所有金额。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="822"/>
        <source>A rule needs at least one amount tier.</source>
        <translation>每条规则至少需要一个金额档位。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="823"/>
        <source>Another rule has the same account and payment type.</source>
        <translation>已有另一条规则使用相同的账户和付款类型。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="824"/>
        <source>Unknown role: choose one from the list.</source>
        <translation>未知角色：请从列表中选择。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="825"/>
        <source>This bank account does not exist (any more).</source>
        <translation>该银行账户不存在（或已被删除）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="826"/>
        <source>The policy needs the catch-all rule.</source>
        <translation>策略必须包含兜底规则。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="860"/>
        <source>Rules</source>
        <translation>规则</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="869"/>
        <location filename="../../ui/views/approval_policy.py" line="907"/>
        <source>tier %1</source>
        <translation>第 %1 档</translation>
    </message>
</context>
<context>
    <name>ApprovalRuleDialog</name>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="34"/>
        <source>any payment type</source>
        <translation>任意付款类型</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="35"/>
        <source>normal payments</source>
        <translation>普通付款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="36"/>
        <source>urgent payments</source>
        <translation>加急付款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="43"/>
        <source>Add approval rule</source>
        <translation>添加审批规则</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="48"/>
        <source>The rule applies to payments from the chosen account and of the chosen type. It starts with a copy of the catch-all rule&apos;s amount tiers; edit them after adding.</source>
        <translation>该规则适用于从所选账户付出、且为所选类型的付款。新规则先复制兜底规则的金额档位，添加后再行编辑。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="58"/>
        <source>Debit account</source>
        <translation>付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="59"/>
        <source>Any account</source>
        <translation>任意账户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="61"/>
        <source>Payment type</source>
        <translation>付款类型</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="62"/>
        <source>Any payment type</source>
        <translation>任意付款类型</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="62"/>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="63"/>
        <source>Urgent</source>
        <translation>加急</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="76"/>
        <source>Add rule</source>
        <translation>添加规则</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="80"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="104"/>
        <source>The catch-all rule (any account, any payment type) already exists: choose an account or a payment type.</source>
        <translation>兜底规则（任意账户、任意付款类型）已存在：请选择一个账户或一种付款类型。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/approval_rule_dialog.py" line="106"/>
        <source>The policy already has a rule for this account and payment type: edit that rule instead, or choose another scope.</source>
        <translation>策略中已有针对该账户和付款类型的规则：请编辑那条规则，或选择其他范围。</translation>
    </message>
</context>
<context>
    <name>ApprovalsView</name>
    <message>
        <location filename="../../ui/views/approvals.py" line="59"/>
        <source>Approval inbox</source>
        <translation>审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="70"/>
        <source>Awaiting my approval</source>
        <translation>待我审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="71"/>
        <source>All payments awaiting approval</source>
        <translation>全部待审批付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="75"/>
        <location filename="../../ui/views/approvals.py" line="182"/>
        <source>All debit accounts</source>
        <translation>全部付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="79"/>
        <source>Filter by payee, account, purpose, amount or maker…</source>
        <translation>按收款人、账号、用途、金额或经办人筛选…</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="82"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="120"/>
        <source>Approve selected</source>
        <translation>批准所选</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="122"/>
        <source>Reject…</source>
        <translation>驳回…</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="172"/>
        <source>Only approvers can use the approval inbox.</source>
        <translation>只有审批人可以使用审批箱。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="192"/>
        <source>Awaiting me</source>
        <translation>待我审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="193"/>
        <source>Approved by me, awaiting others</source>
        <translation>我已批准、待他人审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="194"/>
        <source>My own, awaiting others</source>
        <translation>本人经办、待他人审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="195"/>
        <source>All awaiting approval</source>
        <translation>全部待审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="196"/>
        <source>Approved</source>
        <translation>已批准</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="197"/>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="226"/>
        <source>{n} payments shown</source>
        <translation>显示 {n} 笔付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="233"/>
        <source>{n} selected · total {total}</source>
        <translation>已选 {n} 笔 · 合计 {total}</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="259"/>
        <source>Approving payments above {threshold} needs your password again (payments {ids}).</source>
        <translation>批准金额超过 {threshold} 的付款需要再次输入密码（付款 {ids}）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="271"/>
        <source>Approving…</source>
        <translation>正在审批…</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="275"/>
        <source>Approved: {done}</source>
        <translation>已批准：{done}</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="283"/>
        <source>Wrong password: nothing was approved.</source>
        <translation>密码错误：未批准任何付款。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="287"/>
        <source>The last approval of this payment must come from an approver holding the role the policy names.</source>
        <translation>此付款的最后一次批准必须由持有审批策略指定角色的审批人作出。</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="291"/>
        <source>Refused — nothing was approved:</source>
        <translation>已拒绝 — 未批准任何付款：</translation>
    </message>
    <message>
        <location filename="../../ui/views/approvals.py" line="306"/>
        <source>Rejected and returned to the maker: {ids}</source>
        <translation>已驳回并退回经办人：{ids}</translation>
    </message>
</context>
<context>
    <name>Area</name>
    <message>
        <location filename="../../ui/main_window.py" line="57"/>
        <location filename="../../ui/main_window.py" line="112"/>
        <source>Bank connections</source>
        <translation>银行连接</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="99"/>
        <source>Dashboard</source>
        <translation>仪表盘</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="100"/>
        <source>Payment vouchers</source>
        <translation>付款凭证</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="103"/>
        <source>Approval inbox</source>
        <translation>审批</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="75"/>
        <location filename="../../ui/main_window.py" line="105"/>
        <source>USB-key signing</source>
        <translation>U盾签名</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="84"/>
        <location filename="../../ui/main_window.py" line="106"/>
        <source>Payment monitor</source>
        <translation>付款监控</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="93"/>
        <location filename="../../ui/main_window.py" line="102"/>
        <source>Batch payments</source>
        <translation>批量付款</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="107"/>
        <source>Electronic receipts</source>
        <translation>电子回单</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="108"/>
        <source>Reconciliation</source>
        <translation>对账</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="109"/>
        <source>Accounts and balances</source>
        <translation>账户与余额</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="110"/>
        <source>Payees</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="111"/>
        <source>Transaction details</source>
        <translation>交易明细</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="113"/>
        <source>Risk and alerts</source>
        <translation>风险与预警</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="114"/>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="115"/>
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
    <name>BankConnectionsView</name>
    <message>
        <location filename="../../ui/views/bank_connections.py" line="32"/>
        <source>Connection profiles</source>
        <translation>连接配置</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_connections.py" line="33"/>
        <source>Certificates</source>
        <translation>证书清单</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_connections.py" line="34"/>
        <source>Interface test</source>
        <translation>接口测试</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_connections.py" line="35"/>
        <source>Message log</source>
        <translation>报文日志</translation>
    </message>
</context>
<context>
    <name>BankOverviewPanel</name>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="74"/>
        <source>Certificates expiring</source>
        <translation>证书即将到期</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="84"/>
        <source>Bank</source>
        <translation>银行</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="85"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="86"/>
        <source>Accounts</source>
        <translation>账户数</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="87"/>
        <source>Total balance</source>
        <translation>余额合计</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="101"/>
        <source>Balances by bank</source>
        <translation>各银行余额</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="107"/>
        <source>No balances yet: refresh them under Accounts and balances.</source>
        <translation>尚无余额：请在“账户与余额”中刷新。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="136"/>
        <source>expired {n} days ago</source>
        <translation>已过期 {n} 天</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/bank_overview.py" line="138"/>
        <source>expires in {n} days</source>
        <translation>{n} 天后到期</translation>
    </message>
</context>
<context>
    <name>BankText</name>
    <message>
        <location filename="../../ui/banking_text.py" line="19"/>
        <source>Name resolution (DNS)</source>
        <translation>域名解析 (DNS)</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="20"/>
        <source>TCP connection</source>
        <translation>TCP 连接</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="21"/>
        <source>TLS handshake</source>
        <translation>TLS 握手</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="22"/>
        <source>Bank server certificate</source>
        <translation>银行服务器证书</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="23"/>
        <source>Server certificate pin</source>
        <translation>服务器证书绑定 (pin)</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="24"/>
        <source>Our client certificate</source>
        <translation>本方客户端证书</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="25"/>
        <source>Signed query to the bank</source>
        <translation>向银行发送签名查询</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="26"/>
        <source>Balance query</source>
        <translation>余额查询</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="27"/>
        <source>Connection profile</source>
        <translation>连接配置</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="28"/>
        <source>Bank plugin</source>
        <translation>银行插件</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="32"/>
        <source>Bank CA (trust)</source>
        <translation>银行 CA 根证书（信任）</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="33"/>
        <source>Client certificate</source>
        <translation>客户端证书</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="34"/>
        <location filename="../../ui/banking_text.py" line="35"/>
        <source>Bank signing certificate</source>
        <translation>银行签名证书</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="36"/>
        <source>Signing certificate</source>
        <translation>签名证书</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="40"/>
        <source>Valid</source>
        <translation>有效</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="41"/>
        <source>Expires within 60 days</source>
        <translation>60 天内到期</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="42"/>
        <source>Expires within 30 days</source>
        <translation>30 天内到期</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="43"/>
        <source>Expires within 7 days</source>
        <translation>7 天内到期</translation>
    </message>
    <message>
        <location filename="../../ui/banking_text.py" line="44"/>
        <source>EXPIRED</source>
        <translation>已过期</translation>
    </message>
</context>
<context>
    <name>BatchImportWizard</name>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="334"/>
        <source>Import a batch payment file</source>
        <translation>导入批量付款文件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="355"/>
        <source>Choose a payroll (代发工资) or supplier payment file — CSV in UTF-8 or GBK, or an Excel .xlsx workbook — with the columns 收款人名称, 收款账号, 收款行名称, 收款行行号, 金额, 用途 (or payee_name, payee_account, bank_name, bank_code, amount, purpose). The file is checked first; nothing is written until you import it.</source>
        <translation>请选择代发工资或供应商付款文件（UTF-8 或 GBK 编码的 CSV，或 Excel .xlsx 工作簿），列为 收款人名称、收款账号、收款行名称、收款行行号、金额、用途（或 payee_name, payee_account, bank_name, bank_code, amount, purpose）。文件会先经过检查，确认导入前不会写入任何数据。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="364"/>
        <source>Path of the CSV or XLSX file</source>
        <translation>CSV 或 XLSX 文件路径</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="365"/>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="369"/>
        <source>&amp;File:</source>
        <translation>文件(&amp;F)：</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="374"/>
        <source>&amp;Profile:</source>
        <translation>导入模板(&amp;P)：</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="379"/>
        <source>Debit &amp;account:</source>
        <translation>付款账户(&amp;A)：</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="436"/>
        <source>I have chec&amp;ked these bank codes: each one is the payee&apos;s branch</source>
        <translation>我已核对这些联行号，均为收款人的开户行(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="443"/>
        <source>E&amp;xclude the invalid rows and import the others; save the error report to:</source>
        <translation>排除无效行并导入其余行(&amp;X)；错误报告保存到：</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="448"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="473"/>
        <source>&lt; &amp;Back</source>
        <translation>&lt; 上一步(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="475"/>
        <source>&amp;Check file &gt;</source>
        <translation>检查文件(&amp;C) &gt;</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="477"/>
        <source>&amp;Import</source>
        <translation>导入(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="479"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="523"/>
        <source>Payroll (代发工资)</source>
        <translation>代发工资</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="523"/>
        <source>Supplier payments</source>
        <translation>供应商付款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="560"/>
        <source>Choose a batch payment file</source>
        <translation>选择批量付款文件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="561"/>
        <source>Batch files (*.csv *.xlsx);;All files (*)</source>
        <translation>批量文件 (*.csv *.xlsx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="567"/>
        <source>Save the error report</source>
        <translation>保存错误报告</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="568"/>
        <source>CSV files (*.csv);;Excel workbooks (*.xlsx)</source>
        <translation>CSV 文件 (*.csv);;Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="583"/>
        <source>Checking the file…</source>
        <translation>正在检查文件…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="603"/>
        <source>row {row}</source>
        <translation>第 {row} 行</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="603"/>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="636"/>
        <source>The file cannot be imported: {n} problems concern the whole file.</source>
        <translation>文件无法导入：有 {n} 个问题涉及整个文件。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="640"/>
        <source>{n} rows have errors (rows {rows}). Correct the file and check it again, or exclude the invalid rows.</source>
        <translation>有 {n} 行存在错误（第 {rows} 行）。请修改文件后重新检查，或排除无效行。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="644"/>
        <source>The bank ({bank}) will not take {n} of them (rows {rows}): see the Bank check column.</source>
        <translation>其中 {n} 行银行（{bank}）不会受理（第 {rows} 行）：见“银行校验”列。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="652"/>
        <source>row {row}: {name} → {code} {branch}</source>
        <translation>第 {row} 行：{name} → {code} {branch}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="663"/>
        <source>{n} bank codes (联行号) were chosen from the branch name. Check each against the payee&apos;s bank details before importing:</source>
        <translation>有 {n} 个联行号是根据开户行名称选出的。导入前请逐一与收款人的开户信息核对：</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="672"/>
        <source>{file}: {format}{encoding}, {rows} rows — {valid} valid, {invalid} invalid. Total of the valid rows: {currency} {total}. From account {account}; profile {profile}. New payees: {new}, known payees: {known}.</source>
        <translation>{file}：{format}{encoding}，共 {rows} 行 — 有效 {valid} 行，无效 {invalid} 行。有效行合计：{currency} {total}。付款账户 {account}；导入模板 {profile}。新收款人：{new}，已有收款人：{known}。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="684"/>
        <source>Bank codes chosen from the branch name (check them): {n}.</source>
        <translation>按收款行名称选定的行号（请核对）：{n} 个。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="688"/>
        <source>Lines with invoices or a remittance reference: {n}.</source>
        <translation>含发票或汇款附言的行：{n}。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="692"/>
        <source>Bank check ({bank}): {n} rows the bank will not take (its own encoding and field lengths).</source>
        <translation>银行校验（{bank}）：{n} 行银行不会受理（超出该行自己的编码或字段长度）。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="695"/>
        <source>Bank check ({bank}): every checked row fits the bank&apos;s own encoding and field lengths.</source>
        <translation>银行校验（{bank}）：已校验的各行均符合该行的编码和字段长度。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="698"/>
        <source>Bank check not done: {reason}</source>
        <translation>未做银行校验：{reason}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="701"/>
        <source>Rows with other errors (format, amounts, codes, duplicates, payees): {n}.</source>
        <translation>其他错误（格式、金额、行号、重复、收款人）的行数：{n}。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="705"/>
        <source>Warnings: {n}.</source>
        <translation>警告：{n} 个。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="734"/>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="748"/>
        <source>Imported as batch {id}: {n} payments, {currency} {total}. They now await approval (批量审批 in Batch payments).</source>
        <translation>已导入为批次 {id}：{n} 笔付款，{currency} {total}。现等待审批（在“批量付款”中进行批量审批）。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="752"/>
        <source>{n} invalid rows were excluded; error report: {path}</source>
        <translation>已排除 {n} 个无效行；错误报告：{path}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="760"/>
        <source>Nothing was imported:</source>
        <translation>未导入任何数据：</translation>
    </message>
</context>
<context>
    <name>BatchLinesTableModel</name>
    <message>
        <location filename="../../ui/views/batches.py" line="205"/>
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="206"/>
        <source>Payee</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="207"/>
        <source>Payee account</source>
        <translation>收款账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="208"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="209"/>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="210"/>
        <source>Invoices / reference</source>
        <translation>发票/附言</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="211"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="212"/>
        <source>Bank code</source>
        <translation>银行返回码</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="213"/>
        <source>Bank message</source>
        <translation>银行说明</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="214"/>
        <source>Client reference</source>
        <translation>业务参考号</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="216"/>
        <source>Payment No.</source>
        <translation>付款编号</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="240"/>
        <source>Invoices ({n}):</source>
        <translation>发票（{n} 张）：</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="243"/>
        <source>Remittance reference: {ref}</source>
        <translation>汇款附言：{ref}</translation>
    </message>
</context>
<context>
    <name>BatchListModel</name>
    <message>
        <location filename="../../ui/views/batches.py" line="109"/>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="109"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="109"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="109"/>
        <source>Debit account</source>
        <translation>付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="109"/>
        <source>Lines</source>
        <translation>笔数</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="110"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="110"/>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="110"/>
        <location filename="../../ui/views/batches.py" line="125"/>
        <source>Awaiting approval</source>
        <translation>待审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="110"/>
        <location filename="../../ui/views/batches.py" line="125"/>
        <source>Awaiting signature</source>
        <translation>待签名</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="111"/>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="111"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="111"/>
        <source>Pending</source>
        <translation>处理中</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="126"/>
        <source>In progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="126"/>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="127"/>
        <source>Completed with failures</source>
        <translation>已完成（有失败）</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="127"/>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="128"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="131"/>
        <source>Payroll</source>
        <translation>代发工资</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="131"/>
        <source>Supplier</source>
        <translation>供应商付款</translation>
    </message>
</context>
<context>
    <name>BatchRejectDialog</name>
    <message>
        <location filename="../../ui/views/batches.py" line="516"/>
        <location filename="../../ui/views/batches.py" line="537"/>
        <source>Reject batch</source>
        <translation>驳回批次</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="521"/>
        <source>Every line of batch {id} awaiting approval goes back to its maker. Say why:</source>
        <translation>批次 {id} 中所有待审批的付款将退回给制单人。请说明原因：</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="538"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="546"/>
        <source>A rejection needs a comment for the maker.</source>
        <translation>驳回时需要给制单人填写意见。</translation>
    </message>
</context>
<context>
    <name>BatchesView</name>
    <message>
        <location filename="../../ui/views/batches.py" line="587"/>
        <source>Batch payments</source>
        <translation>批量付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="591"/>
        <source>Import file…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="593"/>
        <source>Approve batch…</source>
        <translation>批量审批…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="595"/>
        <source>Reject batch…</source>
        <translation>驳回批次…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="597"/>
        <source>Export results…</source>
        <translation>导出结果…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="599"/>
        <source>Export failed lines…</source>
        <translation>导出失败明细…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="601"/>
        <source>Re-initiate failed lines…</source>
        <translation>重新发起失败明细…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="603"/>
        <source>Create a new batch from the definitively failed lines; it needs approval and signing again.</source>
        <translation>用确定失败的明细创建一个新批次；新批次需要重新审批和签名。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="605"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="828"/>
        <source>Batch {id}: {lines} lines. Awaiting approval {aa}, awaiting signature {asg}, rejected {rej}, cancelled {can}. Sent {sent} = succeeded {ok} + failed {failed} + pending {pending}.</source>
        <translation>批次 {id}：共 {lines} 笔。待审批 {aa}，待签名 {asg}，已驳回 {rej}，已取消 {can}。已发送 {sent} = 成功 {ok} + 失败 {failed} + 处理中 {pending}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="836"/>
        <source>✓ Reconciles with the imported file.</source>
        <translation>✓ 与导入文件核对一致。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="837"/>
        <source>✗ Does not reconcile with the imported file ({n} lines, {total}).</source>
        <translation>✗ 与导入文件（{n} 笔，{total}）核对不一致。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="882"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="887"/>
        <source>You made {n} lines of batch {id}: you cannot approve them (separation of duties).</source>
        <translation>批次 {id} 中有 {n} 笔是您制单的：您不能审批（职责分离）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="892"/>
        <source>You already approved {n} lines of batch {id}; they await another approver.</source>
        <translation>您已审批批次 {id} 中的 {n} 笔；它们等待其他审批人。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="896"/>
        <source>Approve batch {id} ({file})?

{n} lines awaiting approval, total {currency} {total}, from account {account}.</source>
        <translation>审批批次 {id}（{file}）？

待审批 {n} 笔，合计 {currency} {total}，付款账户 {account}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="901"/>
        <source>Approve batch</source>
        <translation>批量审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="904"/>
        <source>Approve all lines</source>
        <translation>审批全部明细</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="906"/>
        <location filename="../../ui/views/batches.py" line="1003"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="918"/>
        <source>Approving batch {id} ({currency} {total}) is above {threshold} and needs your password again.</source>
        <translation>批次 {id}（{currency} {total}）超过 {threshold}，审批需要再次输入密码。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="935"/>
        <source>Batch {id}: {n} lines approved.</source>
        <translation>批次 {id}：已审批 {n} 笔。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="938"/>
        <source>{n} lines await a further approver.</source>
        <translation>{n} 笔等待下一位审批人。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="943"/>
        <source>Wrong password: nothing was approved.</source>
        <translation>密码错误：未审批任何付款。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="948"/>
        <source>Refused — nothing was approved:</source>
        <translation>被拒绝 — 未审批任何付款：</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="951"/>
        <source>Approving…</source>
        <translation>正在审批…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="965"/>
        <source>Batch {id}: {n} lines rejected and returned to the maker.</source>
        <translation>批次 {id}：{n} 笔已驳回并退回制单人。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="966"/>
        <source>Rejecting…</source>
        <translation>正在驳回…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="973"/>
        <source>Export batch lines</source>
        <translation>导出批次明细</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="974"/>
        <source>Excel workbooks (*.xlsx);;CSV files (*.csv)</source>
        <translation>Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="984"/>
        <source>Exported {n} lines to {path}</source>
        <translation>已导出 {n} 笔到 {path}</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="986"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="993"/>
        <source>Re-initiate the failed lines of batch {id} ({n} lines, {currency} {total})?

A NEW batch of new payments with new client references is created for the same payees and amounts. It needs approval and USB-key signing again before it is sent. The failed lines stay as they are.</source>
        <translation>重新发起批次 {id} 的失败明细（{n} 笔，{currency} {total}）？

将为相同的收款人和金额创建一个新批次，其中是新的付款和新的业务参考号。新批次发送前需要重新审批和 USB-key 签名。原失败明细保持不变。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="998"/>
        <source>Re-initiate failed lines</source>
        <translation>重新发起失败明细</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="1001"/>
        <source>Create new batch</source>
        <translation>创建新批次</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="1020"/>
        <source>The failed lines of batch {old} were re-initiated as batch {new} ({n} lines). It now awaits approval.</source>
        <translation>批次 {old} 的失败明细已重新发起为批次 {new}（{n} 笔），现等待审批。</translation>
    </message>
    <message>
        <location filename="../../ui/views/batches.py" line="1023"/>
        <source>Re-initiating…</source>
        <translation>正在重新发起…</translation>
    </message>
</context>
<context>
    <name>CertificatesView</name>
    <message>
        <location filename="../../ui/views/certificates.py" line="31"/>
        <source>Profile</source>
        <translation>连接配置</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="32"/>
        <source>Certificate</source>
        <translation>证书</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="38"/>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="39"/>
        <source>Issuer</source>
        <translation>颁发者</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="33"/>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="35"/>
        <source>Days left</source>
        <translation>剩余天数</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="37"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="60"/>
        <source>No certificates yet: import them in a connection profile.</source>
        <translation>尚无证书：请在连接配置中导入。</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="63"/>
        <source>{n} of {total} certificates expire within 60 days or have expired.</source>
        <translation>{total} 张证书中有 {n} 张将在 60 天内到期或已过期。</translation>
    </message>
    <message>
        <location filename="../../ui/views/certificates.py" line="67"/>
        <source>All {total} certificates are valid for more than 60 days.</source>
        <translation>全部 {total} 张证书的有效期都超过 60 天。</translation>
    </message>
</context>
<context>
    <name>ConnectionTestView</name>
    <message>
        <location filename="../../ui/views/connection_test.py" line="90"/>
        <source>Checks, step by step, that this workstation can reach the bank: name resolution, TCP, the TLS handshake, the bank&apos;s certificate and pin, our client certificate, then a signed query. No payment is made.</source>
        <translation>逐步检查本机能否连通银行：域名解析、TCP、TLS 握手、银行证书与绑定、本方客户端证书，最后发送一笔签名查询。不会发起任何付款。</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="100"/>
        <source>Test:</source>
        <translation>测试对象：</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="102"/>
        <source>Run test</source>
        <translation>开始测试</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="137"/>
        <source>Account {number} — {bank}</source>
        <translation>账户 {number} — {bank}</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="140"/>
        <source>Profile {name} — {url}</source>
        <translation>连接配置 {name} — {url}</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="168"/>
        <source>Testing the connection…</source>
        <translation>正在测试连接…</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="173"/>
        <source>Testing the bank connection…</source>
        <translation>正在测试银行连接…</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="181"/>
        <source>The test could not run: {error}</source>
        <translation>测试无法进行：{error}</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="199"/>
        <source>The bank plugin reported no steps.</source>
        <translation>银行插件没有返回任何检查步骤。</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="202"/>
        <source>Failed at step “{step}”. See what to do below.</source>
        <translation>在“{step}”这一步失败。处理办法见下方。</translation>
    </message>
    <message>
        <location filename="../../ui/views/connection_test.py" line="206"/>
        <source>All {n} steps passed: the connection works.</source>
        <translation>全部 {n} 步通过：连接正常。</translation>
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
        <location filename="../../ui/views/dashboard.py" line="66"/>
        <source>Bank accounts</source>
        <translation>银行账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="67"/>
        <source>Payees</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="68"/>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="98"/>
        <source>Loading dashboard…</source>
        <translation>正在加载仪表盘…</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="109"/>
        <source>Unified social credit code: {uscc}</source>
        <translation>统一社会信用代码：{uscc}</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="116"/>
        <source>Audit log: only administrators and auditors can verify it.</source>
        <translation>审计日志：只有管理员和审计人员可以校验。</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="119"/>
        <source>Audit log intact: {n} entries verified.</source>
        <translation>审计日志完整：已校验 {n} 条记录。</translation>
    </message>
    <message>
        <location filename="../../ui/views/dashboard.py" line="123"/>
        <source>AUDIT LOG BROKEN at entry {seq}: {reason}</source>
        <translation>审计日志已损坏，位置：第 {seq} 条：{reason}</translation>
    </message>
</context>
<context>
    <name>FilePicker</name>
    <message>
        <location filename="../../ui/widgets/file_picker.py" line="22"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
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
    <name>FittedTableView</name>
    <message>
        <location filename="../../ui/views/batches.py" line="506"/>
        <source>Fit columns to their text</source>
        <translation>列宽适应内容</translation>
    </message>
</context>
<context>
    <name>FormDialog</name>
    <message>
        <location filename="../../ui/dialogs/form_dialog.py" line="47"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/form_dialog.py" line="51"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/form_dialog.py" line="90"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>LinkProfileDialog</name>
    <message>
        <location filename="../../ui/dialogs/link_profile_dialog.py" line="25"/>
        <source>Connection profile of an account</source>
        <translation>账户的连接配置</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/link_profile_dialog.py" line="33"/>
        <source>Account {number} ({bank}) reaches its bank through:</source>
        <translation>账户 {number}（{bank}）通过以下配置连接银行：</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/link_profile_dialog.py" line="39"/>
        <source>(no profile: not connected)</source>
        <translation>（无配置：不连接）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/link_profile_dialog.py" line="55"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/link_profile_dialog.py" line="59"/>
        <source>Cancel</source>
        <translation>取消</translation>
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
        <location filename="../../ui/main_window.py" line="131"/>
        <source>BankDirect</source>
        <translation>银企直联</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="133"/>
        <source>{title} — DEMO</source>
        <translation>{title} — 演示</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="169"/>
        <source>DEMO — not real money</source>
        <translation>演示 — 非真实资金</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="177"/>
        <source>{user} ({roles})</source>
        <translation>{user}（{roles}）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="182"/>
        <source>Ledger: {ledger}</source>
        <translation>账套：{ledger}</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="189"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="190"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="194"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="198"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="266"/>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
</context>
<context>
    <name>MessageLogView</name>
    <message>
        <location filename="../../ui/views/message_log.py" line="71"/>
        <source>Reload</source>
        <translation>重新加载</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="75"/>
        <source>Export to text file…</source>
        <translation>导出为文本文件…</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="85"/>
        <source>→ bank</source>
        <translation>→ 银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="85"/>
        <source>← bank</source>
        <translation>← 银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="85"/>
        <source>✗ error</source>
        <translation>✗ 错误</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="88"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="89"/>
        <source>Bank</source>
        <translation>银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="90"/>
        <source>Function</source>
        <translation>功能</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="91"/>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="93"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="94"/>
        <source>Duration (ms)</source>
        <translation>耗时 (毫秒)</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="96"/>
        <source>Size (bytes)</source>
        <translation>大小 (字节)</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="97"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="113"/>
        <source>Select a message to see its (masked) text.</source>
        <translation>选择一条报文以查看其（已脱敏的）内容。</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="133"/>
        <source>{n} messages</source>
        <translation>{n} 条报文</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="148"/>
        <source>Export message log</source>
        <translation>导出报文日志</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="149"/>
        <source>Text files (*.txt)</source>
        <translation>文本文件 (*.txt)</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="156"/>
        <source>Exported {n} messages to {path}</source>
        <translation>已导出 {n} 条报文到 {path}</translation>
    </message>
    <message>
        <location filename="../../ui/views/message_log.py" line="157"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
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
    <name>PassphraseDialog</name>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="26"/>
        <source>BankDirect — secret vault</source>
        <translation>银企直联 — 密钥保险库</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="30"/>
        <source>This computer has no operating-system keystore. Enter the passphrase of BankDirect&apos;s secret vault.</source>
        <translation>此电脑没有操作系统密钥库。请输入银企直联密钥保险库的口令。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="32"/>
        <source>This computer has no operating-system keystore. Choose a passphrase for BankDirect&apos;s secret vault (at least {n} characters). Keep it safe: without it the ledger&apos;s keys cannot be opened.</source>
        <translation>此电脑没有操作系统密钥库。请为银企直联密钥保险库设置口令（至少 {n} 个字符）。请妥善保管：没有它，账套的密钥将无法打开。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="42"/>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="47"/>
        <source>Repeat</source>
        <translation>再次输入</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="64"/>
        <source>Enter the passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="67"/>
        <source>Use at least {n} characters.</source>
        <translation>至少使用 {n} 个字符。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/passphrase_dialog.py" line="70"/>
        <source>The two passphrases differ.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <location filename="../../ui/dialogs/password_dialog.py" line="21"/>
        <source>Confirm with your password</source>
        <translation>请输入密码确认</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/password_dialog.py" line="30"/>
        <source>User: {user}</source>
        <translation>用户：{user}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/password_dialog.py" line="36"/>
        <source>Your log-in password</source>
        <translation>您的登录密码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/password_dialog.py" line="47"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/password_dialog.py" line="50"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/password_dialog.py" line="59"/>
        <source>Enter your password.</source>
        <translation>请输入密码。</translation>
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
    <name>PayeePicker</name>
    <message>
        <location filename="../../ui/dialogs/payee_picker.py" line="41"/>
        <source>Type a name, account number or bank to search…</source>
        <translation>输入户名、账号或银行进行搜索…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/payee_picker.py" line="44"/>
        <source>New payee…</source>
        <translation>新增收款人…</translation>
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
        <location filename="../../ui/views/payees.py" line="58"/>
        <source>Add payee…</source>
        <translation>新增收款人…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="60"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="62"/>
        <source>Deactivate</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="65"/>
        <source>Confirm change</source>
        <translation>确认变更</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="68"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="80"/>
        <source>Confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="80"/>
        <source>Awaiting confirmation</source>
        <translation>待确认</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="81"/>
        <source>Corporate</source>
        <translation>对公</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="81"/>
        <source>Personal</source>
        <translation>对私</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="84"/>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="85"/>
        <source>Payee name</source>
        <translation>收款人名称</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="86"/>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="88"/>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="89"/>
        <source>Branch</source>
        <translation>开户网点</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="90"/>
        <source>CNAPS code</source>
        <translation>联行号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="92"/>
        <source>Unified social credit code</source>
        <translation>统一社会信用代码</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="93"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="94"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="146"/>
        <source>{n} payees</source>
        <translation>共 {n} 个收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="186"/>
        <source>Export payees</source>
        <translation>导出收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="187"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="211"/>
        <source>Exported {n} payees to {path}</source>
        <translation>已导出 {n} 个收款人到 {path}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payees.py" line="212"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
</context>
<context>
    <name>PaymentColumns</name>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="60"/>
        <source>Real-time</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="60"/>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="70"/>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="71"/>
        <source>Execution date</source>
        <translation>执行日期</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="73"/>
        <source>Payee</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="74"/>
        <source>Payee account</source>
        <translation>收款账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="76"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="77"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="78"/>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="79"/>
        <source>Urgency</source>
        <translation>时效</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="80"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="84"/>
        <source>Maker</source>
        <translation>经办人</translation>
    </message>
</context>
<context>
    <name>PaymentDetail</name>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="36"/>
        <source>Payee</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="38"/>
        <source>Debit account</source>
        <translation>付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="40"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="42"/>
        <source>In words</source>
        <translation>大写金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="43"/>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="44"/>
        <source>Execution date</source>
        <translation>执行日期</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="45"/>
        <source>Urgency</source>
        <translation>时效</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="46"/>
        <source>Maker</source>
        <translation>经办人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="47"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="51"/>
        <source>{n} of {m} approvals</source>
        <translation>已批准 {n} / 需 {m} 人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="54"/>
        <source>one approver must hold the role {role}</source>
        <translation>其中一位审批人须持有角色 {role}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="56"/>
        <source>Approvals</source>
        <translation>审批进度</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="57"/>
        <source>Payment #{id}</source>
        <translation>付款 #{id}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="63"/>
        <source>You made this payment: you cannot approve or reject it (separation of duties).</source>
        <translation>此付款由您经办：您不能批准或驳回（不相容职务分离）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="67"/>
        <source>Warnings</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="71"/>
        <source>Decisions</source>
        <translation>审批记录</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="74"/>
        <source>No decision yet.</source>
        <translation>尚无审批记录。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="79"/>
        <source>approved</source>
        <translation>批准</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="80"/>
        <source>rejected</source>
        <translation>驳回</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="86"/>
        <source>void</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_detail.py" line="90"/>
        <source>History</source>
        <translation>状态历史</translation>
    </message>
</context>
<context>
    <name>PaymentMonitor</name>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="118"/>
        <source>All sent</source>
        <translation>全部已发送</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="119"/>
        <source>In flight</source>
        <translation>处理中</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="120"/>
        <source>Outcome unknown</source>
        <translation>结果未知</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="121"/>
        <location filename="../../ui/views/payment_monitor.py" line="385"/>
        <source>Needs attention</source>
        <translation>需要处理</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="122"/>
        <source>Final</source>
        <translation>已完结</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="124"/>
        <source>All payments</source>
        <translation>全部付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="146"/>
        <source>{n} s</source>
        <translation>{n} 秒</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="148"/>
        <source>{n} min</source>
        <translation>{n} 分钟</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="149"/>
        <source>{n} h</source>
        <translation>{n} 小时</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="177"/>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="178"/>
        <location filename="../../ui/views/payment_monitor.py" line="358"/>
        <source>Payee</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="179"/>
        <location filename="../../ui/views/payment_monitor.py" line="359"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="181"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="182"/>
        <location filename="../../ui/views/payment_monitor.py" line="356"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="184"/>
        <source>Bank code</source>
        <translation>银行返回码</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="186"/>
        <source>Bank message</source>
        <translation>银行返回信息</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="188"/>
        <location filename="../../ui/views/payment_monitor.py" line="361"/>
        <source>Client reference</source>
        <translation>业务参考号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="190"/>
        <source>Attempts</source>
        <translation>发送次数</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="192"/>
        <location filename="../../ui/views/payment_monitor.py" line="368"/>
        <source>Last change</source>
        <translation>最后更新</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="320"/>
        <source>answered</source>
        <translation>银行已应答</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="321"/>
        <source>no clear answer (outcome unknown)</source>
        <translation>未得到明确应答（结果未知）</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="322"/>
        <source>not sent (nothing left this machine)</source>
        <translation>未发出（未离开本机）</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="323"/>
        <source>aborted before sending</source>
        <translation>发送前已中止</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="324"/>
        <source>sender vanished (treated as unknown)</source>
        <translation>发送进程中断（按结果未知处理）</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="332"/>
        <source>No further status query is scheduled.</source>
        <translation>目前没有安排后续状态查询。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="336"/>
        <source>next in {in} ({at})</source>
        <translation>下次 {in}后（{at}）</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="339"/>
        <source>next one due now</source>
        <translation>下次查询即将进行</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="341"/>
        <source>Asking the bank for the status: query no. {n}, {next}.</source>
        <translation>正在向银行查询状态，第 {n} 次，{next}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="344"/>
        <source>Asking the bank for the status: first query, {next}.</source>
        <translation>正在向银行查询状态，第 1 次，{next}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="354"/>
        <source>Payment #{id}</source>
        <translation>付款 #{id}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="360"/>
        <source>Debit account</source>
        <translation>付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="364"/>
        <source>Bank reference</source>
        <translation>银行流水号</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="366"/>
        <source>Bank says</source>
        <translation>银行返回</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="370"/>
        <source>Final since</source>
        <translation>完结时间</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="372"/>
        <source>Re-initiated from</source>
        <translation>重新发起自</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="373"/>
        <source>payment #{id}</source>
        <translation>付款 #{id}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="375"/>
        <source>Re-initiated as</source>
        <translation>已重新发起为</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="376"/>
        <source>payment #{id} (a new payment with a new reference)</source>
        <translation>付款 #{id}（新付款，新业务参考号）</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="379"/>
        <source>Result confirmed</source>
        <translation>结果已确认</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="391"/>
        <source>Outcome unknown since {at} ({ago} ago).</source>
        <translation>自 {at} 起结果未知（已 {ago}）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="394"/>
        <source>The payment is never sent again while its outcome is unknown: the bank is asked about the same reference until it gives a definite answer.</source>
        <translation>结果未知期间绝不重新发送：系统会以同一业务参考号向银行查询，直到银行给出明确结果。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="400"/>
        <source>References and send attempts</source>
        <translation>业务参考号与发送记录</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="405"/>
        <source>No client reference yet: the payment has not been queued.</source>
        <translation>尚无业务参考号：该付款尚未进入发送队列。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="408"/>
        <source>allocated {at}</source>
        <translation>分配于 {at}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="411"/>
        <source>Attempt</source>
        <translation>次序</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="411"/>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="412"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="412"/>
        <source>Started</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="413"/>
        <source>Finished</source>
        <translation>结束</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="413"/>
        <source>Detail</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="420"/>
        <source>in progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="426"/>
        <source>Not sent yet.</source>
        <translation>尚未发送。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="429"/>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
</context>
<context>
    <name>PaymentMonitorView</name>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="469"/>
        <source>Payment monitor</source>
        <translation>付款监控</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="491"/>
        <source>Search payee, amount, reference, bank code or message…</source>
        <translation>搜索收款人、金额、业务参考号、银行返回码或信息…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="494"/>
        <source>Query status</source>
        <translation>查询状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="496"/>
        <source>Ask the bank now about this payment&apos;s status. Nothing is sent.</source>
        <translation>立即向银行查询该付款的状态。不会发送任何付款。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="497"/>
        <source>Re-initiate…</source>
        <translation>重新发起…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="499"/>
        <source>Create a new payment from this definitively failed one; it needs approval and signing again.</source>
        <translation>依据这笔已确定失败的付款创建一笔新付款；新付款需要重新审批和签名。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="501"/>
        <source>Confirm result</source>
        <translation>确认结果</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="503"/>
        <source>Acknowledge this final result.</source>
        <translation>确认已知悉该最终结果。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="504"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="506"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="508"/>
        <location filename="../../ui/views/payment_monitor.py" line="710"/>
        <source>Alerts</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="510"/>
        <source>Reconciliation findings: double, missing or unexpected debits.</source>
        <translation>对账发现的问题：重复扣款、扣款缺失或意外扣款。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="552"/>
        <source>Select a payment to see its client reference, send attempts, what is being done about it and its history.</source>
        <translation>选择一笔付款，查看其业务参考号、发送记录、当前处理情况和历史记录。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="683"/>
        <source>{shown} of {n} payments shown</source>
        <translation>显示 {shown} / {n} 笔付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="685"/>
        <source>only the {n} most recently changed payments are loaded</source>
        <translation>仅加载最近变动的 {n} 笔付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="706"/>
        <source>⚠ {n} critical alert(s): a payment may have been debited twice or not at all. Click to review and acknowledge.</source>
        <translation>⚠ {n} 条严重警报：可能有付款被重复扣款或根本未扣款。点击查看并确认处理。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="709"/>
        <source>Alerts ({n})</source>
        <translation>警报（{n}）</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="831"/>
        <source>Payment #{id}: the bank was asked; status now {status}.</source>
        <translation>付款 #{id}：已向银行查询，当前状态为{status}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="834"/>
        <source>The bank has not given a definite answer yet; it will be asked again.</source>
        <translation>银行尚未给出明确结果，系统将再次查询。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="836"/>
        <source>Asking the bank…</source>
        <translation>正在向银行查询…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="843"/>
        <source>Re-initiate payment #{id} ({status}, {payee}, {currency} {amount})?

A NEW payment with a new number and a new client reference will be created for the same payee and amount. It needs approval and USB-key signing again before it is sent. Payment #{id} stays {status}.</source>
        <translation>重新发起付款 #{id}（{status}，{payee}，{currency} {amount}）？

将为同一收款人和金额创建一笔新付款，使用新的编号和新的业务参考号。新付款发送前需要重新审批并用 U 盾签名。付款 #{id} 仍为{status}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="849"/>
        <source>Re-initiate payment</source>
        <translation>重新发起付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="852"/>
        <source>Create new payment</source>
        <translation>创建新付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="854"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="870"/>
        <source>Payment #{old} was re-initiated as new payment #{new}. It now awaits approval, then USB-key signing, before it is sent under a new reference.</source>
        <translation>付款 #{old} 已重新发起为新付款 #{new}。新付款需先审批、再用 U 盾签名，之后以新的业务参考号发送。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="873"/>
        <source>Re-initiating…</source>
        <translation>正在重新发起…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="882"/>
        <source>Result of payment #{id} ({status}) confirmed.</source>
        <translation>已确认付款 #{id} 的结果（{status}）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="884"/>
        <source>Confirming…</source>
        <translation>正在确认…</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="888"/>
        <source>Export payments</source>
        <translation>导出付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="889"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="903"/>
        <source>Exported {n} payments to {path}</source>
        <translation>已导出 {n} 笔付款到 {path}</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_monitor.py" line="904"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
</context>
<context>
    <name>PaymentStatus</name>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="26"/>
        <source>Draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="27"/>
        <source>Awaiting approval</source>
        <translation>待审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="28"/>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="29"/>
        <source>Approved</source>
        <translation>已批准</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="30"/>
        <source>Signed</source>
        <translation>已签名</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="31"/>
        <source>Queued</source>
        <translation>排队待发</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="32"/>
        <source>Sending</source>
        <translation>发送中</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="33"/>
        <source>Outcome unknown</source>
        <translation>结果未知</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="34"/>
        <source>Accepted by bank</source>
        <translation>银行已受理</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="35"/>
        <source>Awaiting bank authorization</source>
        <translation>待银行授权</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="36"/>
        <source>Processing</source>
        <translation>处理中</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="37"/>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="38"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="39"/>
        <source>Partly succeeded</source>
        <translation>部分成功</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="40"/>
        <source>Cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="41"/>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <location filename="../../ui/views/payment_columns.py" line="42"/>
        <source>Returned</source>
        <translation>已退票</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <location filename="../../ui/signing_prompt.py" line="26"/>
        <source>USB key PIN</source>
        <translation>U盾 PIN 码</translation>
    </message>
    <message>
        <location filename="../../ui/signing_prompt.py" line="29"/>
        <source>Enter the PIN of the USB key &quot;{label}&quot; to sign.</source>
        <translation>请输入 U盾“{label}”的 PIN 码以签名。</translation>
    </message>
    <message>
        <location filename="../../ui/signing_prompt.py" line="35"/>
        <source>Final try: one more wrong PIN locks this USB key.</source>
        <translation>最后一次机会：再输错一次 PIN 码，此 U盾将被锁定。</translation>
    </message>
    <message>
        <location filename="../../ui/signing_prompt.py" line="37"/>
        <source>A wrong PIN was entered before: the key locks after a few more wrong PINs.</source>
        <translation>之前已输错过 PIN 码：再输错几次，U盾将被锁定。</translation>
    </message>
    <message>
        <location filename="../../ui/signing_prompt.py" line="39"/>
        <source>The key asks for its PIN to be changed (use the key vendor&apos;s tool).</source>
        <translation>U盾要求修改 PIN 码（请使用 U盾厂商的工具）。</translation>
    </message>
</context>
<context>
    <name>PreviewTableModel</name>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="160"/>
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="182"/>
        <source>Payee name</source>
        <translation>户名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="182"/>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="183"/>
        <source>Payee bank name</source>
        <translation>收款行名称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="183"/>
        <source>Purpose with invoices</source>
        <translation>用途及发票</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="184"/>
        <source>Invoice number</source>
        <translation>发票号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="184"/>
        <source>Remittance reference</source>
        <translation>汇款附言</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="192"/>
        <source>{subject} over {bank} {limit} characters</source>
        <translation>{subject}超过{bank} {limit} 个字符</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="193"/>
        <source>{subject} over {bank} {limit} bytes</source>
        <translation>{subject}超过{bank} {limit} 字节</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="195"/>
        <source>{subject}: characters {bank} cannot encode ({encoding})</source>
        <translation>{subject}含{bank}无法编码的字符（{encoding}）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="197"/>
        <source>{subject}: characters {bank} does not accept</source>
        <translation>{subject}含{bank}不接受的字符</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="199"/>
        <source>{subject} required by {bank}</source>
        <translation>{bank}要求填写{subject}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="213"/>
        <source>OK</source>
        <translation>通过</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="219"/>
        <source>The debit account has no bank plugin: the bank&apos;s own limits were not checked.</source>
        <translation>付款账户未配置银行插件：未按银行自己的限制校验。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="222"/>
        <source>Correct the row&apos;s other errors first; the fields with errors were not checked against {bank}.</source>
        <translation>请先更正该行的其他错误；有错误的字段未按{bank}校验。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="224"/>
        <source>Fits the encoding and field lengths of {bank}.</source>
        <translation>符合{bank}的编码和字段长度。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="269"/>
        <source>Bank check</source>
        <translation>银行校验</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="271"/>
        <source>What the debit account&apos;s bank ({bank}) will not take: its own encoding and field lengths</source>
        <translation>付款账户所在银行（{bank}）不会受理的内容：该行自己的编码和字段长度</translation>
    </message>
</context>
<context>
    <name>Problem</name>
    <message>
        <location filename="../../ui/problems.py" line="17"/>
        <location filename="../../ui/problems.py" line="18"/>
        <location filename="../../ui/problems.py" line="56"/>
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
    <message>
        <location filename="../../ui/problems.py" line="57"/>
        <source>This bank plugin is not installed; choose one from the list.</source>
        <translation>未安装该银行插件，请从列表中选择。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="58"/>
        <source>The bank address must start with https://.</source>
        <translation>银行地址必须以 https:// 开头。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="59"/>
        <source>Write the bank address as https://host[:port][/path].</source>
        <translation>银行地址格式为 https://主机[:端口][/路径]。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="60"/>
        <source>A demo ledger connects only to the sandbox bank on this computer (127.0.0.1 or localhost).</source>
        <translation>演示账套只能连接本机的沙箱银行（127.0.0.1 或 localhost）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="62"/>
        <source>Write plugin settings as key=value, separated by &apos;;&apos;.</source>
        <translation>插件设置请写成 键=值，用“;”分隔。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="63"/>
        <source>A number of seconds between 0.5 and 300.</source>
        <translation>请输入 0.5 到 300 之间的秒数。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="64"/>
        <source>A pin is sha256/ followed by the base64 SHA-256 of the server&apos;s public key.</source>
        <translation>绑定值格式为 sha256/ 加服务器公钥 SHA-256 的 base64 编码。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="66"/>
        <source>At most 4 pins (the current key and backups).</source>
        <translation>最多 4 个绑定值（当前密钥及备用密钥）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="67"/>
        <source>No such file.</source>
        <translation>文件不存在。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="68"/>
        <source>This file is too large to be a certificate.</source>
        <translation>文件太大，不是证书文件。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="69"/>
        <source>This file cannot be read.</source>
        <translation>无法读取该文件。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="70"/>
        <source>This is not a readable certificate (PEM, DER or PKCS#12).</source>
        <translation>无法识别的证书（支持 PEM、DER 或 PKCS#12）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="71"/>
        <source>This certificate has expired.</source>
        <translation>该证书已过期。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="72"/>
        <source>This certificate is not valid yet.</source>
        <translation>该证书尚未生效。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="73"/>
        <source>The private key cannot be read.</source>
        <translation>无法读取私钥。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="74"/>
        <source>Wrong password for the key or PKCS#12 file.</source>
        <translation>私钥或 PKCS#12 文件的密码错误。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="75"/>
        <source>The private key does not belong to this certificate.</source>
        <translation>私钥与该证书不匹配。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="76"/>
        <source>The private key is missing: give the key file or a PKCS#12 file.</source>
        <translation>缺少私钥：请提供私钥文件或 PKCS#12 文件。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="77"/>
        <source>This account has no connection profile: link it to one first.</source>
        <translation>该账户尚未关联连接配置，请先关联。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="79"/>
        <source>Not an amount: use ASCII digits 0-9 and an optional &apos;.&apos; with 1 or 2 decimals, e.g. 1234.56 (no full-width digits, exponent or words).</source>
        <translation>不是有效金额：请使用半角数字 0-9，小数点后最多 2 位，例如 1234.56（不能用全角数字、科学计数法或中文大写）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="81"/>
        <source>At most 2 decimal places; the amount is never rounded.</source>
        <translation>金额最多 2 位小数；系统不会自动四舍五入。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="82"/>
        <source>The amount is larger than the allowed maximum.</source>
        <translation>金额超过允许的上限。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="83"/>
        <source>The amount must be greater than zero.</source>
        <translation>金额必须大于零。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="84"/>
        <source>Write the amount without thousands separators or a decimal comma, e.g. 1000.00.</source>
        <translation>金额不能含千位分隔符或小数逗号，请写成 1000.00 这样的格式。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="86"/>
        <source>The amount in words differs from the amount in figures.</source>
        <translation>大写金额与小写金额不一致。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="87"/>
        <source>Write the date as YYYY-MM-DD.</source>
        <translation>日期格式应为 YYYY-MM-DD。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="88"/>
        <source>The execution date is in the past.</source>
        <translation>执行日期早于今天。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="89"/>
        <source>The execution date is too far ahead (at most one year).</source>
        <translation>执行日期太远（最多一年以内）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="90"/>
        <source>Choose a valid value.</source>
        <translation>请选择有效的值。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="91"/>
        <source>This account is deactivated.</source>
        <translation>该账户已停用。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="92"/>
        <source>This payee is deactivated.</source>
        <translation>该收款人已停用。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="93"/>
        <source>Possible duplicate: a payment of the same amount to the same payee exists within the duplicate window.</source>
        <translation>疑似重复：在重复检查期内已有付给同一收款人、金额相同的付款。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="95"/>
        <source>Only the maker of this payment may change or submit it.</source>
        <translation>只有此付款的经办人可以修改或提交。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="96"/>
        <source>This payment can no longer be changed.</source>
        <translation>此付款已不能修改。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="97"/>
        <source>This payment is no longer awaiting approval.</source>
        <translation>此付款已不在待审批状态。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="98"/>
        <source>You already approved this payment.</source>
        <translation>您已批准过此付款。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="99"/>
        <source>The payee&apos;s or account&apos;s bank details changed after the payment was submitted; its maker must save and submit it again.</source>
        <translation>提交后收款人或付款账户的银行信息已变更；需由经办人重新保存并提交。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="101"/>
        <source>Refused: you made this payment, so you cannot approve or reject it (separation of duties).</source>
        <translation>已拒绝：此付款由您经办，您不能批准或驳回（不相容职务分离）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="103"/>
        <source>Approving this amount needs your password again.</source>
        <translation>批准此金额需要再次输入密码。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="104"/>
        <source>A rejection needs a comment for the maker.</source>
        <translation>驳回时必须填写给经办人的意见。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="105"/>
        <source>This step is not possible in the payment&apos;s current status.</source>
        <translation>付款当前状态下不能执行此操作。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="107"/>
        <source>Wrong PIN for the USB key; nothing was signed.</source>
        <translation>U盾 PIN 码错误；未签名任何内容。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="108"/>
        <source>The USB key&apos;s PIN is locked after too many wrong PINs: ask the administrator to unlock it.</source>
        <translation>PIN 码输错次数过多，U盾已锁定：请联系管理员解锁。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="110"/>
        <source>The USB key&apos;s PIN must be changed first (use the key vendor&apos;s tool).</source>
        <translation>须先修改 U盾的 PIN 码（请使用 U盾厂商的工具）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="112"/>
        <source>The USB key is not plugged in (or was removed): insert it and try again.</source>
        <translation>未检测到 U盾（或已被拔出）：请插入后重试。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="114"/>
        <source>Several USB keys are plugged in: leave only yours.</source>
        <translation>插入了多个 U盾：请只保留您本人的 U盾。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="115"/>
        <source>The USB key is busy; try again in a moment.</source>
        <translation>U盾正忙，请稍后重试。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="116"/>
        <source>The USB key&apos;s driver (PKCS#11 module) is not installed.</source>
        <translation>未安装 U盾驱动（PKCS#11 模块）。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="117"/>
        <source>No signing key is set up for you: an administrator must enrol your USB key first.</source>
        <translation>尚未为您配置签名密钥：请管理员先登记您的 U盾。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="119"/>
        <source>This batch changed since it was listed (payments signed, cancelled or edited); look at the refreshed list and sign again.</source>
        <translation>此批次在列出后已发生变化（付款已签名、撤销或修改）；请查看刷新后的列表并重新签名。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="121"/>
        <source>The USB key returned a signature that does not verify; nothing was stored.</source>
        <translation>U盾返回的签名验证未通过；未保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="123"/>
        <source>These payments are not approved and waiting for a signature.</source>
        <translation>这些付款不是已审批待签名状态。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="124"/>
        <source>This approval policy value is not valid.</source>
        <translation>审批策略的取值无效。</translation>
    </message>
    <message>
        <location filename="../../ui/problems.py" line="125"/>
        <source>This user is locked after too many wrong passwords.</source>
        <translation>密码错误次数过多，该用户已被锁定。</translation>
    </message>
</context>
<context>
    <name>ProblemTableModel</name>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="303"/>
        <source>Bank: {bank}</source>
        <translation>银行：{bank}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="304"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="311"/>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="311"/>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="312"/>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="322"/>
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="322"/>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="322"/>
        <source>Severity</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="322"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="322"/>
        <source>Check</source>
        <translation>校验</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/batch_import_wizard.py" line="323"/>
        <source>Message</source>
        <translation>说明</translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="94"/>
        <source>Edit connection profile</source>
        <translation>编辑连接配置</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="94"/>
        <source>New connection profile</source>
        <translation>新增连接配置</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="95"/>
        <source>How this workstation reaches one bank: its address, the bank plugin that speaks its dialect, and the certificates issued for the connection.</source>
        <translation>本机如何连接一家银行：银行地址、解析该行报文格式的银行插件，以及为此连接签发的证书。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="103"/>
        <source>Profile name</source>
        <translation>配置名称</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="103"/>
        <source>e.g. CMB Shenzhen direct link</source>
        <translation>例如：招行深圳银企直联</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="106"/>
        <source>{id} (not installed)</source>
        <translation>{id}（未安装）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="107"/>
        <source>Bank plugin</source>
        <translation>银行插件</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="108"/>
        <source>Bank address (URL)</source>
        <translation>银行地址 (URL)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="109"/>
        <source>Login name at the bank</source>
        <translation>银行登录名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="110"/>
        <source>The user name the bank assigned to this direct link</source>
        <translation>银行为本直联分配的用户名</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="111"/>
        <source>Other plugin settings</source>
        <translation>其他插件设置</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="111"/>
        <source>key=value; key=value</source>
        <translation>键=值; 键=值</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="112"/>
        <source>Empty: keep the certificate already stored</source>
        <translation>留空：保留已保存的证书</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="113"/>
        <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>证书 (*.pem *.crt *.cer);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="114"/>
        <source>Bank CA certificate (trust)</source>
        <translation>银行 CA 根证书（信任）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="115"/>
        <source>Client certificate (PEM or PKCS#12)</source>
        <translation>客户端证书（PEM 或 PKCS#12）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="116"/>
        <source>Certificates (*.pem *.crt *.p12 *.pfx);;All files (*)</source>
        <translation>证书 (*.pem *.crt *.p12 *.pfx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="117"/>
        <source>Client private key (PEM, optional)</source>
        <translation>客户端私钥（PEM，可选）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="118"/>
        <source>Keys (*.pem *.key);;All files (*)</source>
        <translation>私钥 (*.pem *.key);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="119"/>
        <source>Not needed for PKCS#12 files, which carry the key</source>
        <translation>PKCS#12 文件自带私钥，无需填写</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="120"/>
        <source>Key / PKCS#12 password</source>
        <translation>私钥 / PKCS#12 密码</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="121"/>
        <source>Kept in the system key store, never in the ledger</source>
        <translation>保存在系统密钥库中，不会写入账套</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="122"/>
        <source>Bank signing certificate</source>
        <translation>银行签名证书</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="123"/>
        <source>Server key pins</source>
        <translation>服务器公钥绑定 (pin)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="124"/>
        <source>Current pin, backup pin (sha256/… separated by commas)</source>
        <translation>当前绑定值, 备用绑定值（sha256/…，以逗号分隔）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="125"/>
        <source>Connect timeout (s)</source>
        <translation>连接超时（秒）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/profile_dialog.py" line="126"/>
        <source>Read timeout (s)</source>
        <translation>读取超时（秒）</translation>
    </message>
</context>
<context>
    <name>ProfilesView</name>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="44"/>
        <source>Add profile…</source>
        <translation>新增配置…</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="46"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="55"/>
        <source>yes</source>
        <translation>有</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="55"/>
        <source>no</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="57"/>
        <source>Profile</source>
        <translation>配置名称</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="58"/>
        <source>Plugin</source>
        <translation>插件</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="59"/>
        <source>Bank address</source>
        <translation>银行地址</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="60"/>
        <source>Login name</source>
        <translation>登录名</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="61"/>
        <source>Client key</source>
        <translation>客户端私钥</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="62"/>
        <source>Pins</source>
        <translation>绑定数</translation>
    </message>
    <message>
        <location filename="../../ui/views/bank_profiles.py" line="63"/>
        <source>Timeouts (s)</source>
        <translation>超时（秒）</translation>
    </message>
</context>
<context>
    <name>RejectDialog</name>
    <message>
        <location filename="../../ui/dialogs/reject_dialog.py" line="25"/>
        <source>Reject payments</source>
        <translation>驳回付款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/reject_dialog.py" line="34"/>
        <source>Reject payment(s) {ids} and return them to their maker. Tell the maker what to correct:</source>
        <translation>驳回付款 {ids} 并退回经办人。请说明需要更正的内容：</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/reject_dialog.py" line="41"/>
        <source>Reason for the rejection (required)</source>
        <translation>驳回理由（必填）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/reject_dialog.py" line="55"/>
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/reject_dialog.py" line="58"/>
        <source>Cancel</source>
        <translation>取消</translation>
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
    <name>RoleDelegate</name>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="163"/>
        <location filename="../../ui/views/approval_policy.py" line="167"/>
        <source>(none)</source>
        <translation>（无）</translation>
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
    <name>SigningView</name>
    <message>
        <location filename="../../ui/views/signing.py" line="61"/>
        <source>USB-key signing</source>
        <translation>U盾签名</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="79"/>
        <source>Batches ready to sign</source>
        <translation>待签名批次</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="85"/>
        <source>Sign batch…</source>
        <translation>签名批次…</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="88"/>
        <source>Copy digest</source>
        <translation>复制摘要</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="91"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="103"/>
        <source>Signed batches</source>
        <translation>已签名批次</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="110"/>
        <source>Verify</source>
        <translation>验证</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="136"/>
        <location filename="../../ui/views/signing.py" line="149"/>
        <source>Debit account</source>
        <translation>付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="137"/>
        <source>Bank</source>
        <translation>银行</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="138"/>
        <location filename="../../ui/views/signing.py" line="150"/>
        <source>Payments</source>
        <translation>笔数</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="139"/>
        <location filename="../../ui/views/signing.py" line="151"/>
        <location filename="../../ui/views/signing.py" line="241"/>
        <source>Total</source>
        <translation>合计金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="140"/>
        <source>Total in words</source>
        <translation>金额大写</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="141"/>
        <location filename="../../ui/views/signing.py" line="153"/>
        <source>Digest</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="146"/>
        <source>Batch</source>
        <translation>批次</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="147"/>
        <source>Signed at (UTC)</source>
        <translation>签名时间（UTC）</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="148"/>
        <source>Signer</source>
        <translation>签名人</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="152"/>
        <source>Algorithm</source>
        <translation>算法</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="181"/>
        <source>No approved payments are waiting for a signature.</source>
        <translation>没有等待签名的已审批付款。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="186"/>
        <source>No signing key is set up for you: an administrator must enrol your USB key first.</source>
        <translation>尚未为您配置签名密钥：请管理员先登记您的 U盾。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="192"/>
        <source>The signing certificate cannot be read.</source>
        <translation>无法读取签名证书。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="201"/>
        <source>Certificate {subject}: valid {start} to {end} (UTC)</source>
        <translation>证书 {subject}：有效期 {start} 至 {end}（UTC）</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="204"/>
        <source>EXPIRED: signing will be refused</source>
        <translation>已过期：签名将被拒绝</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="207"/>
        <source>not valid yet</source>
        <translation>尚未生效</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="212"/>
        <source>expires in {days} days</source>
        <translation>{days} 天后到期</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="241"/>
        <source>Batch digest (SHA-256)</source>
        <translation>批次摘要（SHA-256）</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="251"/>
        <source>… and {n} more payments</source>
        <translation>……另有 {n} 笔付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="253"/>
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="253"/>
        <source>Payee</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="253"/>
        <source>Payee account</source>
        <translation>收款账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="253"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="254"/>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="268"/>
        <source>Digest copied.</source>
        <translation>摘要已复制。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="277"/>
        <source>Signing {n} payments… enter the USB key&apos;s PIN when asked.</source>
        <translation>正在签名 {n} 笔付款……请在提示时输入 U盾 PIN 码。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="284"/>
        <source>Signing…</source>
        <translation>正在签名…</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="287"/>
        <source>Signed batch {id}: {n} payments, {total}.</source>
        <translation>已签名批次 {id}：{n} 笔，{total}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="315"/>
        <source>Batch {id} verified: signature valid, {n} payments proven in the batch, unchanged.</source>
        <translation>批次 {id} 验证通过：签名有效，{n} 笔付款均已证明属于该批次且未被修改。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="318"/>
        <source>Batch {id} FAILED verification: signature {sig}, header {head}, payments failing: {bad}</source>
        <translation>批次 {id} 验证失败：签名{sig}，批次头{head}，未通过的付款：{bad}</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="319"/>
        <location filename="../../ui/views/signing.py" line="320"/>
        <source>valid</source>
        <translation>有效</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="319"/>
        <location filename="../../ui/views/signing.py" line="320"/>
        <source>invalid</source>
        <translation>无效</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="336"/>
        <source>Refused: you made or approved a payment of this batch, so you cannot sign it (separation of duties). Nothing was signed.</source>
        <translation>已拒绝：此批次中有您经办或审批的付款，您不能签名（不相容职务分离）。未签名任何内容。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="339"/>
        <source>Refused: a payment of this batch changed after it was approved, which voids its approvals. Nothing was signed.</source>
        <translation>已拒绝：此批次中有付款在审批后被修改，其审批已失效。未签名任何内容。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="347"/>
        <source>Final try: one more wrong PIN locks this USB key.</source>
        <translation>最后一次机会：再输错一次 PIN 码，此 U盾将被锁定。</translation>
    </message>
    <message>
        <location filename="../../ui/views/signing.py" line="349"/>
        <source>The key counts wrong PINs: it locks after a few more.</source>
        <translation>U盾在累计 PIN 码错误次数：再输错几次将被锁定。</translation>
    </message>
</context>
<context>
    <name>StatementImport</name>
    <message>
        <location filename="../../ui/views/statement_import.py" line="62"/>
        <source>Amount not readable</source>
        <translation>金额无法识别</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="63"/>
        <source>More decimals than the currency has</source>
        <translation>小数位数超过币种允许</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="64"/>
        <source>Balances do not add up</source>
        <translation>余额不平</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="65"/>
        <source>Batch details do not add up</source>
        <translation>批量明细合计不符</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="66"/>
        <source>Currency not readable</source>
        <translation>币种无法识别</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="67"/>
        <source>Date not readable</source>
        <translation>日期无法识别</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="68"/>
        <source>Missing field</source>
        <translation>缺少字段</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="69"/>
        <source>Unexpected value</source>
        <translation>取值异常</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="70"/>
        <source>IBAN check digits wrong</source>
        <translation>IBAN 校验位错误</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="71"/>
        <source>No statement in the file</source>
        <translation>文件中没有对账单</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="72"/>
        <source>Message version</source>
        <translation>报文版本</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="73"/>
        <source>Text encoding</source>
        <translation>文字编码</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="74"/>
        <source>Unsafe or malformed XML</source>
        <translation>XML 不安全或格式错误</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="75"/>
        <source>Not a statement file</source>
        <translation>不是对账单文件</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="76"/>
        <source>File too large</source>
        <translation>文件过大</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="77"/>
        <source>File not found</source>
        <translation>找不到文件</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="78"/>
        <source>Account not in the ledger</source>
        <translation>账套中没有该账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="79"/>
        <source>Choose the ledger account</source>
        <translation>请选择账套账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="80"/>
        <source>Not this statement&apos;s account</source>
        <translation>不是该对账单的账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="81"/>
        <source>Account deactivated</source>
        <translation>账户已停用</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="82"/>
        <source>Currency differs from the account&apos;s</source>
        <translation>币种与账户不符</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="83"/>
        <source>Not allowed</source>
        <translation>无权操作</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="86"/>
        <source>Stmt</source>
        <translation>对账单</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="87"/>
        <source>Booking date</source>
        <translation>记账日期</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="88"/>
        <source>Value date</source>
        <translation>起息日</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="89"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="90"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="91"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="92"/>
        <source>Counterparty</source>
        <translation>对方户名</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="93"/>
        <source>Counterparty account</source>
        <translation>对方账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="94"/>
        <source>Our reference</source>
        <translation>我方业务参考号</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="95"/>
        <source>Bank reference</source>
        <translation>银行流水号</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="96"/>
        <source>Transaction code</source>
        <translation>交易代码</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="97"/>
        <source>Remittance and notes</source>
        <translation>附言及备注</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="99"/>
        <source>Booked</source>
        <translation>已记账</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="100"/>
        <source>Pending</source>
        <translation>待记账</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="101"/>
        <source>Information</source>
        <translation>仅供参考</translation>
    </message>
</context>
<context>
    <name>StatementImportView</name>
    <message>
        <location filename="../../ui/views/statement_import.py" line="227"/>
        <source>Import statement file</source>
        <translation>导入对账单</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="230"/>
        <source>camt.052 / camt.053 / camt.054 (ISO 20022 XML) or MT940 / MT942 files from banks without a live connection. The file is checked first; nothing is stored until you import, and entries already stored are never stored twice.</source>
        <translation>适用于未开通直联的银行提供的 camt.052 / camt.053 / camt.054（ISO 20022 XML）或 MT940 / MT942 文件。先检查文件；点击导入前不会保存任何数据，已保存的明细不会重复保存。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="237"/>
        <source>Choose a statement file</source>
        <translation>选择对账单文件</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="238"/>
        <source>Statement files (*.xml *.XML *.sta *.STA *.940 *.942 *.swi *.txt *.mt940);;All files (*)</source>
        <translation>对账单文件 (*.xml *.XML *.sta *.STA *.940 *.942 *.swi *.txt *.mt940);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="240"/>
        <source>Statement file (camt.05x XML or MT940)…</source>
        <translation>对账单文件（camt.05x XML 或 MT940）…</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="244"/>
        <source>Read and check</source>
        <translation>读取并检查</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="253"/>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="253"/>
        <source>Account in file</source>
        <translation>文件中的账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="253"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="253"/>
        <source>Period</source>
        <translation>期间</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="253"/>
        <source>Opening</source>
        <translation>期初余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="254"/>
        <source>Closing</source>
        <translation>期末余额</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="254"/>
        <source>Entries</source>
        <translation>笔数</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="254"/>
        <source>Credits</source>
        <translation>贷方合计</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="254"/>
        <source>Debits</source>
        <translation>借方合计</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="255"/>
        <source>Import into ledger account</source>
        <translation>导入到账套账户</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="297"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="312"/>
        <source>Choose a statement file first.</source>
        <translation>请先选择对账单文件。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="318"/>
        <source>Reading {file}…</source>
        <translation>正在读取 {file}…</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="323"/>
        <source>Reading statement file…</source>
        <translation>正在读取对账单…</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="333"/>
        <source>{format}: {statements} statement(s), {entries} entries.</source>
        <translation>{format}：{statements} 份对账单，{entries} 笔明细。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="337"/>
        <source>The file cannot be imported: {n} error(s), see the list.</source>
        <translation>文件无法导入：{n} 个错误，详见下方列表。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="340"/>
        <source>Add the missing account to the ledger (Accounts) before importing.</source>
        <translation>请先在“账户与余额”中添加缺少的账户，再导入。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="343"/>
        <source>Ready to import.</source>
        <translation>可以导入。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="350"/>
        <source>The file cannot be read: {error}</source>
        <translation>无法读取文件：{error}</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="373"/>
        <source>Choose the ledger account…</source>
        <translation>请选择账套账户…</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="384"/>
        <source>Not in the ledger</source>
        <translation>账套中没有</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="400"/>
        <source>No problems found.</source>
        <translation>未发现问题。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="405"/>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="405"/>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="425"/>
        <source>Importing needs the maker or administrator role.</source>
        <translation>导入需要经办或管理员角色。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="435"/>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="441"/>
        <source>Importing statement…</source>
        <translation>正在导入对账单…</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="445"/>
        <source>Statement {n} → account {account}: {new} new, {skipped} already stored.</source>
        <translation>对账单 {n} → 账户 {account}：新增 {new} 笔，已存在 {skipped} 笔。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="449"/>
        <source>{n} pending or information entries were not stored.</source>
        <translation>{n} 笔待记账或仅供参考的明细未保存。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="451"/>
        <source>Imported: {new} new entries, {skipped} skipped. They are shown under Transaction details.</source>
        <translation>导入完成：新增 {new} 笔，跳过 {skipped} 笔。可在“交易明细”中查看。</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="462"/>
        <source>Nothing was imported: {error}</source>
        <translation>未导入任何数据：{error}</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="487"/>
        <source>Storing entries: {done} of {total}…</source>
        <translation>正在保存明细：{done} / {total}…</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="490"/>
        <source>Reading: {n} entries so far…</source>
        <translation>正在读取：已读 {n} 笔…</translation>
    </message>
</context>
<context>
    <name>StepRow</name>
    <message>
        <location filename="../../ui/views/connection_test.py" line="72"/>
        <source>What to do: {hint}</source>
        <translation>处理办法：{hint}</translation>
    </message>
</context>
<context>
    <name>TransactionsArea</name>
    <message>
        <location filename="../../ui/views/statement_import.py" line="520"/>
        <location filename="../../ui/views/statement_import.py" line="522"/>
        <source>Import statement file</source>
        <translation>导入对账单</translation>
    </message>
    <message>
        <location filename="../../ui/views/statement_import.py" line="521"/>
        <source>Transaction details</source>
        <translation>交易明细</translation>
    </message>
</context>
<context>
    <name>TransactionsView</name>
    <message>
        <location filename="../../ui/views/transactions.py" line="88"/>
        <source>Transaction details</source>
        <translation>交易明细</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="96"/>
        <source>Account:</source>
        <translation>账户：</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="101"/>
        <source>From:</source>
        <translation>起始：</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="103"/>
        <source>To:</source>
        <translation>截止：</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="105"/>
        <source>Fetch from bank</source>
        <translation>从银行下载</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="115"/>
        <source>Filter by counterparty, account, reference or narrative…</source>
        <translation>按对方户名、账号、业务参考号或摘要筛选…</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="118"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="135"/>
        <source>Booking date</source>
        <translation>记账日期</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="137"/>
        <source>Value date</source>
        <translation>起息日</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="139"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="141"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="142"/>
        <source>Counterparty</source>
        <translation>对方户名</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="144"/>
        <source>Counterparty account</source>
        <translation>对方账号</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="146"/>
        <source>Our reference</source>
        <translation>业务参考号</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="147"/>
        <source>Bank serial no.</source>
        <translation>银行流水号</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="148"/>
        <source>Narrative</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="234"/>
        <source>{n} entries shown.</source>
        <translation>显示 {n} 笔。</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="245"/>
        <source>The start date is after the end date.</source>
        <translation>起始日期晚于截止日期。</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="250"/>
        <source>Fetching transaction details from the bank…</source>
        <translation>正在从银行下载交易明细…</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="253"/>
        <source>Fetching transaction details…</source>
        <translation>正在下载交易明细…</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="257"/>
        <source>{n} entries received from the bank.</source>
        <translation>已从银行收到 {n} 笔。</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="261"/>
        <source>Fetching failed: {error}</source>
        <translation>下载失败：{error}</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="270"/>
        <source>Export transaction details</source>
        <translation>导出交易明细</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="271"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="282"/>
        <source>Debit</source>
        <translation>借方金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="282"/>
        <source>Credit</source>
        <translation>贷方金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="295"/>
        <source>Exported {n} entries to {path}</source>
        <translation>已导出 {n} 笔到 {path}</translation>
    </message>
    <message>
        <location filename="../../ui/views/transactions.py" line="296"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
</context>
<context>
    <name>UpToDelegate</name>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="123"/>
        <source>no upper limit</source>
        <translation>不限金额</translation>
    </message>
    <message>
        <location filename="../../ui/views/approval_policy.py" line="134"/>
        <source>empty = no upper limit</source>
        <translation>留空 = 不限金额</translation>
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
<context>
    <name>VoucherDialog</name>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="66"/>
        <source>Payment voucher #{id}</source>
        <translation>付款凭证 #{id}</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="67"/>
        <source>New payment voucher</source>
        <translation>新建付款凭证</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="81"/>
        <source>This payment was rejected. Correct it and submit it again; see the rejection comment in its history.</source>
        <translation>此付款已被驳回。请更正后重新提交；驳回意见见其历史记录。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="90"/>
        <source>Payee</source>
        <translation>收款人</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="91"/>
        <source>Debit account</source>
        <translation>付款账户</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="93"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="93"/>
        <source>e.g. 12345.67</source>
        <translation>例如 12345.67</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="99"/>
        <source>In words (大写)</source>
        <translation>大写金额</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="101"/>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="102"/>
        <source>e.g. 货款 (at most 30 Chinese characters)</source>
        <translation>例如 货款（最多 30 个汉字）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="108"/>
        <source>Execution date</source>
        <translation>执行日期</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="109"/>
        <source>Urgency</source>
        <translation>时效</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="110"/>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="110"/>
        <source>Real-time (urgent)</source>
        <translation>实时（加急）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="111"/>
        <source>I checked: this is not a duplicate payment</source>
        <translation>我已核实：这不是重复付款</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="125"/>
        <source>Enter: next field · Ctrl+Enter: submit · Esc: cancel</source>
        <translation>回车：下一项 · Ctrl+回车：提交 · Esc：取消</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="129"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="131"/>
        <source>Save draft</source>
        <translation>保存草稿</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="133"/>
        <source>Submit for approval</source>
        <translation>提交审批</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="176"/>
        <source>This payment is {status} and can no longer be changed.</source>
        <translation>此付款状态为 {status}，已不能修改。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="179"/>
        <source>Saving a change voids the approvals given so far and sends the payment back for approval.</source>
        <translation>保存修改将作废已有的审批，付款申请需重新审批。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="287"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/voucher_dialog.py" line="326"/>
        <source>A similar payment exists. Check it, then tick &quot;not a duplicate&quot; to save anyway.</source>
        <translation>已有类似付款。请核实后勾选“不是重复付款”再保存。</translation>
    </message>
</context>
<context>
    <name>VouchersView</name>
    <message>
        <location filename="../../ui/views/vouchers.py" line="51"/>
        <source>Payment vouchers</source>
        <translation>付款凭证</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="58"/>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="64"/>
        <source>Filter by payee, account, purpose or amount…</source>
        <translation>按收款人、账号、用途或金额筛选…</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="67"/>
        <source>New voucher…</source>
        <translation>新建凭证…</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="69"/>
        <source>Edit…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="71"/>
        <source>Submit for approval</source>
        <translation>提交审批</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="73"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="157"/>
        <source>{n} payment requests</source>
        <translation>共 {n} 笔付款申请</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="159"/>
        <source>{shown} of {n} payment requests</source>
        <translation>显示 {shown} / 共 {n} 笔付款申请</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="223"/>
        <source>Payment #{id} was submitted for approval.</source>
        <translation>付款 #{id} 已提交审批。</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="225"/>
        <source>Payment #{id} was saved as {status}.</source>
        <translation>付款 #{id} 已保存，状态：{status}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="236"/>
        <source>Submitting…</source>
        <translation>正在提交…</translation>
    </message>
    <message>
        <location filename="../../ui/views/vouchers.py" line="241"/>
        <source>Cannot submit; open the voucher to correct it:</source>
        <translation>无法提交；请打开凭证更正：</translation>
    </message>
</context>
</TS>
