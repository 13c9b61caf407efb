//! The key scripts the dashboard benches press: every kind of key, each script named
//! for the table the benches print.

/// (what the keys do, the keys in `--keys` syntax).
pub fn scripts() -> [(&'static str, String); 18] {
    [
        (
            "move (j, k, PgDn, PgUp, G, g)",
            "j".repeat(300) + &"k".repeat(100) + &"<PgDn>".repeat(50) + &"<PgUp>".repeat(50) + "Gg",
        ),
        (
            "filter keystroke",
            "/aks-payments-prod<BS><BS><BS><BS>channel:unmanaged k8s:<lt>1.34<Esc>".repeat(5),
        ),
        ("sort (s, S)", "sSsSsSsSsSsSsSsS".repeat(3)),
        ("open a cluster and go back", "j<Enter><Esc>".repeat(40)),
        ("fix popup and formats", "f<Tab><Tab><Tab><Tab><S-Tab><Esc>j".repeat(20)),
        ("help and errors overlays", "?<Esc>!<Esc>".repeat(20)),
        (
            "mark (Space, a, c)",
            "<Space><Space><Space>kkk".repeat(20) + &"ac".repeat(10),
        ),
        ("view switch (1, 2, 3)", "2313123".repeat(15)),
        ("non-compliant toggle (x)", "x".repeat(40)),
        (
            "batch fix popup (F) over the marks",
            "<Space><Space><Space>F<Esc>c".repeat(10),
        ),
        (
            "filter editing (cursor, C-w, Up)",
            "/sub:contoso channel:none<Home><Right><Right><Del><End><C-w><C-a><C-e><Left><BS><Up><Down><Tab><Esc>"
                .repeat(5),
        ),
        (
            ": commands",
            ":sort version<Enter>:view subscriptions<Enter>:view clusters<Enter>:sort verdict desc<Enter>:so<Tab><Esc>"
                .repeat(5),
        ),
        ("direct sort keys", "NNVVBRLUOPW".repeat(4)),
        (
            "stack: sub -> clusters -> cluster, Esc Esc",
            "2j<Enter>j<Enter><Esc><Esc>1".repeat(10),
        ),
        (
            "clear filter (C) and recall (/ Up)",
            "/prod<Enter>C/<Up><Enter>C".repeat(10),
        ),
        (
            "calendar sorts (T, M, :sort)",
            "TTMMT:sort support desc<Enter>:sort window<Enter>M".repeat(5) + "W",
        ),
        (
            "upgrades view (4, move, Enter, Esc)",
            "4jjjj<PgDn><Enter>jj<Esc>k<Enter><Esc>G<Enter><Esc>g1".repeat(8),
        ),
        (
            "calendar filter terms",
            "/support:<lt>60d window:none insight:failed-upgrade<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS>any<Esc>"
                .repeat(3),
        ),
    ]
}
