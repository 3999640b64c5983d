"""Pure rules of the review service: functions over values, no I/O, the clock passed in.

One module per part of the notice (docs/rules.md): `calendar` (工作日, R-2.3), `publicity` (公示,
R-4.2, N-8.6, N-8.7), `routing` (逐级提交, R-4.3), `submissions` (退回, R-4.4), `supplements`
(补充材料, R-4.5), `paper` (纸质材料, R-5.1, R-5.2), `meetings` (评审会议, N-8.1..N-8.4),
`sanctions` (R-1.5), `audit` (谁审查，谁负责, R-4.1). Refusals are `contracts.errors.Problem` /
`Refusal` with stable codes.
"""
