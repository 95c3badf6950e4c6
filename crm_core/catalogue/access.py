"""Messages of access control, user settings, help and errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "access.unknown_user": {
        "en": "Sorry, this bot is for invited sales teams only. "
        "Ask your manager for an invite code and send /start CODE.",
        "zh": "抱歉，本机器人仅供受邀的销售团队使用。请向经理索取邀请码，然后发送 /start 邀请码。",
    },
    "access.private_only": {
        "en": "I only work in a private chat, because my replies contain customer data. "
        "Message me directly.",
        "zh": "我只在私聊中工作，因为回复中包含客户数据。请直接给我发消息。",
    },
    "access.role_required": {
        "en": "Only managers and admins can do that.",
        "zh": "只有经理和管理员可以执行此操作。",
    },
    "access.welcome_admin": {
        "en": "Welcome, {name}. You are an admin. Invite your team with /invite rep "
        "or /invite manager.",
        "zh": "欢迎，{name}。您是管理员。使用 /invite rep 或 /invite manager 邀请团队成员。",
    },
    "access.welcome_back": {
        "en": "Welcome back, {name}. You are signed in as {role}. Send /help for the commands.",
        "zh": "欢迎回来，{name}。您的身份是{role}。发送 /help 查看命令。",
    },
    "access.joined": {
        "en": "Welcome, {name}. You joined the team as {role}. Send /help for the commands.",
        "zh": "欢迎，{name}。您已作为{role}加入团队。发送 /help 查看命令。",
    },
    "access.invite_unknown": {
        "en": "This invite code is not valid. Check it, or ask your manager for a new one.",
        "zh": "邀请码无效。请检查，或向经理索取新的邀请码。",
    },
    "access.invite_used": {
        "en": "This invite code was already used. Ask your manager for a new one.",
        "zh": "该邀请码已被使用。请向经理索取新的邀请码。",
    },
    "access.invite_expired": {
        "en": "This invite code has expired. Ask your manager for a new one.",
        "zh": "该邀请码已过期。请向经理索取新的邀请码。",
    },
    "access.invite_usage": {
        "en": "Usage: /invite rep or /invite manager",
        "zh": "用法：/invite rep 或 /invite manager",
    },
    "access.invite_manager_only_admin": {
        "en": "Only admins can invite managers. You can invite reps with /invite rep.",
        "zh": "只有管理员可以邀请经理。您可以使用 /invite rep 邀请销售代表。",
    },
    "access.invite_created": {
        "en": "Invite code for a new {role}: <code>{code}</code>\n"
        "They send /start {code} to this bot. The code works once and expires on {expires}.",
        "zh": "新{role}的邀请码：<code>{code}</code>\n"
        "对方向本机器人发送 /start {code} 即可加入。邀请码只能使用一次，{expires} 到期。",
    },
    "access.already_member": {
        "en": "You are already signed in as {role}; the invite code was not used.",
        "zh": "您已经以{role}身份登录，邀请码未被使用。",
    },
    "role.rep": {"en": "sales rep", "zh": "销售代表"},
    "role.manager": {"en": "manager", "zh": "经理"},
    "role.admin": {"en": "admin", "zh": "管理员"},
    "settings.language_usage": {
        "en": "Usage: /lang en or /lang zh",
        "zh": "用法：/lang en 或 /lang zh",
    },
    "settings.language_set": {
        "en": "Language set to English.",
        "zh": "语言已设为简体中文。",
    },
    "settings.timezone_usage": {
        "en": "Usage: /tz Area/City, for example /tz Europe/Berlin or /tz Asia/Shanghai. "
        "Your time zone is {timezone}.",
        "zh": "用法：/tz 地区/城市，例如 /tz Asia/Shanghai 或 /tz Europe/Berlin。"
        "您当前的时区是 {timezone}。",
    },
    "settings.timezone_invalid": {
        "en": "{value} is not a known time zone. Use a name like Europe/Berlin or Asia/Shanghai.",
        "zh": "{value} 不是有效的时区。请使用类似 Asia/Shanghai 或 Europe/Berlin 的名称。",
    },
    "settings.timezone_set": {
        "en": "Time zone set to {timezone}. Your local time is now {local_time}.",
        "zh": "时区已设为 {timezone}。您的当地时间是 {local_time}。",
    },
    "settings.digest_time_usage": {
        "en": "Usage: /digesttime HH:MM, for example /digesttime 08:30. Now: {digest_time}.",
        "zh": "用法：/digesttime 时:分，例如 /digesttime 08:30。当前：{digest_time}。",
    },
    "settings.digest_time_set": {
        "en": "Your daily digest now arrives at {digest_time} ({timezone}).",
        "zh": "您的每日简报将于 {digest_time}（{timezone}）送达。",
    },
    "help.rep": {
        "en": "<b>Commands</b>\n"
        "/log — log a contact step by step\n"
        "/log Acme call discussed renewal 5000 next friday — log in one line\n"
        "/customer NAME — where a customer stands\n"
        "/today — follow-ups due today and overdue\n"
        "/stage NAME STAGE — set the stage by hand (auto: back to the detected one)\n"
        "/level NAME LEVEL — set the relationship level by hand\n"
        "/lang en|zh — language\n"
        "/tz Area/City — time zone\n"
        "/cancel — stop the current step",
        "zh": "<b>命令</b>\n"
        "/log — 分步记录一次联系\n"
        "/log Acme call discussed renewal 5000 next friday — 一行记录\n"
        "/customer 名称 — 查看客户状态\n"
        "/today — 今天到期和逾期的跟进\n"
        "/stage 名称 阶段 — 手动设置阶段（auto：恢复自动判断）\n"
        "/level 名称 层级 — 手动设置关系层级\n"
        "/lang en|zh — 语言\n"
        "/tz 地区/城市 — 时区\n"
        "/cancel — 取消当前操作",
    },
    "help.manager": {
        "en": "<b>Manager commands</b>\n"
        "/digest — the team digest now\n"
        "/digesttime HH:MM — when the daily digest arrives\n"
        "/invite rep — invite code for a sales rep",
        "zh": "<b>经理命令</b>\n"
        "/digest — 立即查看团队简报\n"
        "/digesttime 时:分 — 每日简报的送达时间\n"
        "/invite rep — 生成销售代表邀请码",
    },
    "help.admin": {
        "en": "/invite manager — invite code for a manager",
        "zh": "/invite manager — 生成经理邀请码",
    },
    "error.internal": {
        "en": "Sorry, something went wrong on our side. Please try again in a minute.",
        "zh": "抱歉，系统出现问题。请稍后再试。",
    },
    "error.nothing_to_cancel": {
        "en": "There is nothing to cancel.",
        "zh": "当前没有可取消的操作。",
    },
    "error.stale_button": {
        "en": "This button has expired. Start again with the command.",
        "zh": "此按钮已失效。请重新发送命令。",
    },
    "error.unknown_command": {
        "en": "I don't know that command. Send /help for the list.",
        "zh": "没有这个命令。发送 /help 查看命令列表。",
    },
}
