//! CLI scenarios: the real binary run on the data files in `tests/cmd`, exit
//! codes and output asserted (trycmd; `TRYCMD=overwrite` refreshes them).

#[test]
fn cli_scenarios() {
    trycmd::TestCases::new().case("tests/cmd/*.trycmd");
}
