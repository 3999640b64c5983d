"""`titles load-orgs` sends what review.load_organisations takes, whatever the file's format."""
import base64

from openpyxl import Workbook

from plumbing.cli.data import org_file as _org_file


def test_yaml_is_sent_as_text(tmp_path):
    f = tmp_path / "orgs.yaml"
    f.write_text("organisations: []\n", encoding="utf-8")
    assert _org_file(str(f)) == ("organisations: []\n", "orgs.yaml")


def test_xlsx_is_sent_as_base64_with_its_name(tmp_path):
    f = tmp_path / "orgs.xlsx"
    Workbook().save(f)
    content, name = _org_file(str(f))
    assert name == "orgs.xlsx" and base64.b64decode(content) == f.read_bytes()


def test_a_directory_of_csv_tables_is_sent_as_a_dict_gb18030_included(tmp_path):
    (tmp_path / "organisations.csv").write_bytes("id,name\nu-1,单位\n".encode("gb18030"))
    (tmp_path / "members.csv").write_text("committee_id,expert_id\n", encoding="utf-8-sig")
    tables, _ = _org_file(str(tmp_path))
    assert tables == {"members": "committee_id,expert_id\n",
                      "organisations": "id,name\nu-1,单位\n"}
