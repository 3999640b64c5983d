"""Sample data of the 评审表: a complete, invented applicant (the `documents.render` docstring
describes the `form` dict), as the render tests and the rendering benchmark (bench/render.py)
draw it."""

SAMPLE_FORM: dict = {
    "application": {"series": "工程系列", "specialty": "机械电子", "level": "高级工程师",
                    "exceptional": False},
    "basic": {
        "name": "阿依古丽·买买提", "former_name": "无", "sex": "女", "ethnicity": "维吾尔族",
        "birth_date": "1982-05", "birth_place": "新疆喀什", "id_number_masked": "6531**********1228",
        "unit": "新疆天山机械制造有限公司", "work_start": "2005-07", "health": "健康",
        "administrative_post": "技术部副部长", "party": "中共党员", "democratic_party": "无",
        "societies": "新疆机械工程学会会员", "foreign_language": "英语（CET-4）",
    },
    "education": [
        {"from": "2001-09", "to": "2005-07", "school": "新疆大学", "major": "机械设计制造及其自动化",
         "diploma": "大学本科", "degree": "工学学士", "years": 4, "witness": "王建国"},
    ],
    "training": [
        {"from": "2016-06", "to": "2016-08", "school": "西安交通大学", "subject": "数控技术高级研修班",
         "witness": "李明"},
    ],
    "qualification": {"current_title": "工程师", "obtained": "2012-12",
                      "approved_by": "新疆维吾尔自治区人力资源和社会保障厅",
                      "obtained_in_xinjiang": True, "years_in_profession": 14,
                      "current_post": "工程师", "post_since": "2013-01", "current_work": "机械设计与工艺"},
    "work_history": [
        {"from": "2005-07", "to": "2012-12", "unit": "新疆天山机械制造有限公司", "post": "助理工程师",
         "witness": "张伟"},
        {"from": "2013-01", "to": "至今", "unit": "新疆天山机械制造有限公司", "post": "工程师",
         "witness": "张伟"},
    ],
    "achievements": [
        {"stage": "before", "period": "2009-2011", "title": "棉花打包机液压系统改造",
         "content": "负责液压回路设计与调试", "role": "参与", "outcome": "年节约能耗12%"},
        {"stage": "after", "period": "2015-2017", "title": "风电齿轮箱箱体铸造工艺优化",
         "content": "提出工艺方案，组织试制与验证", "role": "主持",
         "outcome": "废品率由9%降至3%，获自治区科技进步三等奖"},
        {"stage": "after", "period": "2018", "title": "一种轴承座快速定位夹具",
         "content": "设计并完成样机", "role": "独立完成", "outcome": "实用新型专利 ZL2018 2 0000000.0"},
    ],
    "publications": [
        {"date": "2017-06", "title": "风电齿轮箱箱体铸造缺陷分析与对策", "venue": "《铸造技术》",
         "rank": "第一作者"},
    ],
    "continuing_education": {"status": "completed",
                             "summary": "2019年专业科目、2014—2019年公需科目均已合格"},
    "exam": "无",
    "assessments": [
        {"year": 2016, "result": "合格", "remark": "无"},
        {"year": 2017, "result": "优秀", "remark": "无"},
        {"year": 2018, "result": "合格", "remark": "无"},
    ],
    "summary": ("任现职以来，本人一直从事机械设计与铸造工艺工作，坚持理论联系实际。\n"
                "主持完成风电齿轮箱箱体铸造工艺优化项目，显著降低废品率；"
                "参与多项设备改造，取得实用新型专利一项，发表论文一篇。"),
    "other": [{"name": "公示结果", "note": "单位公示无异议"},
              {"name": "专业技术资格评审材料真实性保证书", "note": "附件1"}],
    "opinions": [],
}
