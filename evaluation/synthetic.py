"""SYNTHETIC knowledge entries for scale benchmarks and retrieval distractors — not real knowledge.

Every generated entry is labelled: id prefix ``syn-``, kind "imported", category "合成测试数据",
source title "合成测试数据（仅用于性能测试，非真实政策）". They imitate the shape of a service
FAQ (a question about a service in a district, an answer with materials, place, time limit and
fee) from fixed vocabularies and a seeded random generator, so runs are reproducible.
They must never be shipped in a city's knowledge base.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from knowledge_base.entry import KnowledgeEntry, Source

SYNTHETIC_PREFIX = "syn-"
SYNTHETIC_SOURCE = Source(title="合成测试数据（仅用于性能测试，非真实政策）", issuer="synthetic")

_PLACES = (
    "解放区",
    "山阳区",
    "中站区",
    "马村区",
    "示范区",
    "修武县",
    "博爱县",
    "武陟县",
    "温县",
    "沁阳市",
    "孟州市",
    "",
)
_SUBJECTS = (
    "营业执照",
    "食品经营许可证",
    "个体工商户登记",
    "居住证",
    "身份证换领",
    "户口迁移",
    "新生儿落户",
    "结婚登记",
    "离婚登记",
    "不动产登记",
    "房屋租赁备案",
    "公积金提取",
    "公积金贷款",
    "社保卡补办",
    "养老保险转移",
    "失业保险金",
    "医保异地备案",
    "生育津贴",
    "门诊慢特病认定",
    "残疾人证",
    "低保申请",
    "临时救助",
    "高龄津贴",
    "驾驶证换证",
    "机动车检验",
    "道路运输证",
    "建筑工程施工许可",
    "排水许可",
    "占道施工许可",
    "户外广告设置",
    "环评审批",
    "取水许可",
    "林木采伐许可",
    "动物防疫条件合格证",
    "药品经营许可",
    "医师执业注册",
    "教师资格认定",
    "中小学入学",
    "学籍转接",
    "职业技能等级认定",
    "创业担保贷款",
    "就业困难人员认定",
    "退役军人优待证",
    "法律援助",
    "公证办理",
    "出入境证件",
    "港澳通行证",
    "燃气开户",
    "供水报装",
    "供电报装",
    "宽带安装",
    "网约车驾驶员证",
    "出租车投诉处理",
    "物业备案",
    "电梯使用登记",
    "特种设备作业证",
    "消防安全检查",
    "烟花爆竹经营许可",
    "文化经营许可",
    "体育场馆开放",
    "科技型企业认定",
)
_ASKS = (
    "怎么办理",
    "需要哪些材料",
    "在哪里办",
    "多长时间能办好",
    "要交费吗",
    "可以网上办吗",
    "有什么条件",
    "流程是什么",
    "找哪个部门",
    "能不能代办",
)
_MATERIALS = (
    "本人身份证原件",
    "户口簿",
    "近期一寸白底照片",
    "申请表",
    "营业执照副本",
    "房产证明",
    "劳动合同",
    "银行卡",
    "结婚证",
    "出生医学证明",
    "授权委托书",
    "社保缴费证明",
    "学历证书",
    "体检报告",
    "租赁合同",
    "场地平面图",
    "健康证明",
    "无犯罪记录证明",
)
_WHERE = (
    "政务服务中心综合窗口",
    "便民服务中心",
    "街道党群服务中心",
    "“豫事办”手机端",
    "河南政务服务网",
    "部门服务大厅",
    "乡镇便民服务站",
    "社区服务站",
)
_DEPARTMENTS = (
    "市行政审批政务信息管理局",
    "市公安局",
    "市人力资源社会保障局",
    "市医保局",
    "市住房公积金中心",
    "市民政局",
    "市市场监管局",
    "市交通运输局",
    "市住房城乡建设局",
    "市自然资源和规划局",
    "市卫生健康委",
    "市教育局",
    "市退役军人局",
    "市司法局",
    "市生态环境局",
    "市水利局",
)


def _entry(rng: random.Random, n: int) -> KnowledgeEntry:
    place = rng.choice(_PLACES)
    subject = rng.choice(_SUBJECTS)
    ask = rng.choice(_ASKS)
    materials = "、".join(rng.sample(_MATERIALS, rng.randint(2, 5)))
    where = rng.choice(_WHERE)
    days = rng.choice((1, 3, 5, 7, 10, 15, 20, 30))
    fee = rng.choice(("不收费", f"收取工本费{rng.randint(5, 80)}元", "按规定标准收费"))
    department = rng.choice(_DEPARTMENTS)
    scope = place or "全市"
    title = f"{scope}{subject}{ask}（第{n}号）"
    answer = (
        f"在{scope}办理{subject}，申请人需准备{materials}，到{where}提交申请，也可以通过线上渠道预约。"
        f"材料齐全的，{days}个工作日内办结，{fee}。具体以{department}公布的最新办事指南为准，"
        f"编号{n:06d}。"
    )
    return KnowledgeEntry(
        id=f"{SYNTHETIC_PREFIX}{n:07d}",
        title=title,
        answer=answer,
        source=SYNTHETIC_SOURCE,
        questions=(f"{place}{subject}{rng.choice(_ASKS)}",),
        department=department,
        region=place,
        kind="imported",
        category="合成测试数据",
    )


def synthetic_entries(count: int, seed: int = 12345, start: int = 0) -> Iterator[KnowledgeEntry]:
    """`count` SYNTHETIC entries (ids syn-0000000 …), reproducible for a seed."""
    rng = random.Random(seed)
    for n in range(count):
        yield _entry(rng, start + n)


def synthetic_queries(count: int, seed: int = 54321) -> list[str]:
    """SYNTHETIC caller questions in the same vocabulary (for latency benchmarks)."""
    rng = random.Random(seed)
    return [f"{rng.choice(_PLACES)}{rng.choice(_SUBJECTS)}{rng.choice(_ASKS)}" for _ in range(count)]
