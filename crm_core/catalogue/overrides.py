"""Messages for setting a customer's stage and level by hand (/stage, /level, card buttons)."""

MESSAGES: dict[str, dict[str, str]] = {
    # Word for "decide from the history again", also accepted in /stage and /level.
    "overrides.automatic": {"en": "automatic", "zh": "自动"},
    "overrides.list_separator": {"en": ", ", "zh": "、"},
    "overrides.button.stage": {"en": "Set stage", "zh": "设置阶段"},
    "overrides.button.level": {"en": "Set level", "zh": "设置关系层级"},
    "overrides.button.automatic": {"en": "Automatic", "zh": "自动"},
    "overrides.button.upgrade": {"en": "Upgrade to {level}", "zh": "升级为{level}"},
    "overrides.usage_stage": {
        "en": "Send /stage NAME STAGE to set a customer's stage by hand, for example "
        "/stage Acme Ltd decline. Stages: {choices}.",
        "zh": "发送 /stage 客户名称 阶段 手动设置客户阶段，例如 /stage 阿里巴巴 衰退期。"
        "可选阶段：{choices}。",
    },
    "overrides.usage_level": {
        "en": "Send /level NAME LEVEL to set a customer's relationship level by hand, for "
        "example /level Acme Ltd client. Levels: {choices}.",
        "zh": "发送 /level 客户名称 关系层级 手动设置客户关系层级，例如 /level 阿里巴巴 客户。"
        "可选层级：{choices}。",
    },
    "overrides.invalid_stage": {
        "en": "<b>{word}</b> is not a stage, so nothing was changed. Send /stage NAME STAGE "
        "with one of: {choices}.",
        "zh": "<b>{word}</b> 不是有效的阶段，未做任何更改。请发送 /stage 客户名称 阶段，"
        "阶段可选：{choices}。",
    },
    "overrides.invalid_level": {
        "en": "<b>{word}</b> is not a relationship level, so nothing was changed. Send "
        "/level NAME LEVEL with one of: {choices}.",
        "zh": "<b>{word}</b> 不是有效的关系层级，未做任何更改。请发送 /level 客户名称 关系层级，"
        "层级可选：{choices}。",
    },
    "overrides.choose_customer_stage": {
        "en": "<b>{name}</b> does not name exactly one of your customers. Set the stage to "
        "{choice} for which one?",
        "zh": "<b>{name}</b> 并非恰好对应您的一位客户。要将哪位客户的阶段设为{choice}？",
    },
    "overrides.choose_customer_level": {
        "en": "<b>{name}</b> does not name exactly one of your customers. Set the level to "
        "{choice} for which one?",
        "zh": "<b>{name}</b> 并非恰好对应您的一位客户。要将哪位客户的关系层级设为{choice}？",
    },
    "overrides.choose_stage": {
        "en": "Choose the stage of <b>{name}</b>. It is now {current}; the history shows "
        "{detected}. Automatic follows the history.",
        "zh": "请选择 <b>{name}</b> 的阶段。当前为{current}，根据历史记录判断为{detected}。"
        "选择“自动”则按历史记录判断。",
    },
    "overrides.choose_level": {
        "en": "Choose the relationship level of <b>{name}</b>. It is now {current}; the history "
        "suggests {detected}. Automatic follows the history.",
        "zh": "请选择 <b>{name}</b> 的关系层级。当前为{current}，根据历史记录建议为{detected}。"
        "选择“自动”则按历史记录判断。",
    },
    "overrides.stage_set": {
        "en": "Stage of <b>{name}</b> set by hand to <b>{choice}</b>.",
        "zh": "已将 <b>{name}</b> 的阶段手动设为<b>{choice}</b>。",
    },
    "overrides.stage_cleared": {
        "en": "Stage of <b>{name}</b> follows the history again: <b>{choice}</b>.",
        "zh": "<b>{name}</b> 的阶段已恢复按历史记录判断：<b>{choice}</b>。",
    },
    "overrides.level_set": {
        "en": "Relationship level of <b>{name}</b> set by hand to <b>{choice}</b>.",
        "zh": "已将 <b>{name}</b> 的关系层级手动设为<b>{choice}</b>。",
    },
    "overrides.upgrade_not_deeper": {
        "en": "Relationship level of <b>{name}</b> is already <b>{choice}</b>, so nothing was "
        "changed.",
        "zh": "<b>{name}</b> 的关系层级已是<b>{choice}</b>，未做任何更改。",
    },
    "overrides.level_cleared": {
        "en": "Relationship level of <b>{name}</b> follows the history again: <b>{choice}</b>.",
        "zh": "<b>{name}</b> 的关系层级已恢复按历史记录判断：<b>{choice}</b>。",
    },
}
