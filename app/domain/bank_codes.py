"""CNAPS bank category codes (行别代码): the first 3 digits of a 12-digit CNAPS bank code (联行号).

Compiled from public knowledge and cross-checked in tests against the head-office codes of
reference/china/gweesin_CNAPS/banks.json (never read at runtime). Category codes group banks of one kind
(313 = all city commercial banks, 314 = all rural commercial banks...), so the name is the category's,
not necessarily the payee bank's own name.
"""

from __future__ import annotations

BANK_CATEGORIES: dict[str, str] = {
    # Policy and large state-owned banks
    "102": "中国工商银行",
    "103": "中国农业银行",
    "104": "中国银行",
    "105": "中国建设银行",
    "201": "国家开发银行",
    "202": "中国进出口银行",
    "203": "中国农业发展银行",
    # Joint-stock and other commercial banks
    "301": "交通银行",
    "302": "中信银行",
    "303": "中国光大银行",
    "304": "华夏银行",
    "305": "中国民生银行",
    "306": "广发银行",
    "307": "平安银行",
    "308": "招商银行",
    "309": "兴业银行",
    "310": "上海浦东发展银行",
    "313": "城市商业银行",
    "314": "农村商业银行",
    "315": "恒丰银行",
    "316": "浙商银行",
    "317": "农村合作银行",
    "318": "渤海银行",
    "319": "徽商银行",
    "320": "村镇银行",
    "322": "上海农村商业银行",
    "323": "民营银行",
    # Credit cooperatives and postal savings
    "402": "农村信用社",
    "403": "中国邮政储蓄银行",
    # Foreign and Hong Kong banks (locally incorporated subsidiaries and branches)
    "501": "汇丰银行",
    "502": "东亚银行",
    "503": "南洋商业银行",
    "504": "恒生银行",
    "505": "中国银行（香港）",
    "506": "集友银行",
    "507": "创兴银行",
    "531": "花旗银行",
    "532": "美国银行",
    "533": "摩根大通银行",
    "561": "三菱日联银行",
    "563": "三井住友银行",
    "564": "瑞穗银行",
    "593": "友利银行",
    "595": "新韩银行",
    "596": "企业银行",
    "597": "韩亚银行",
    "621": "华侨银行",
    "622": "大华银行",
    "623": "星展银行",
    "671": "渣打银行",
    "691": "法国兴业银行",
    "694": "东方汇理银行",
    "712": "德意志银行",
    "781": "厦门国际银行",
    "782": "法国巴黎银行",
}


def bank_category_name(code: str) -> str | None:
    """The category name for a CNAPS code (or its 3-digit prefix), or None when unknown."""
    return BANK_CATEGORIES.get(code[:3]) if isinstance(code, str) else None
