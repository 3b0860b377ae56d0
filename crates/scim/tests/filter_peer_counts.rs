//! The 31 filters of `shared/peers/fixtures/filters.txt` over the peers' 10 000 generated users:
//! every filter parses in the strict dialect, and match counts equal scim2-models' (research/perf.md
//! §"SCIM: semantic cross-check", run 20261203T103512Z, each of the 7 disputed counts recomputed
//! there in plain Python from the JSON).

#[path = "filter_gen/users.rs"]
mod gen_users;

use fedkit_scim::{Dialect, Filter, ResourceSchema};

const FILTERS: &str = include_str!("data/filter/peer_filters.txt");
const SCIM2_MODELS_COUNTS: [usize; 31] = [
    1, 629, 1285, 7526, 10000, 10000, 0, 0, 1285, 1, 200, 4557, 8008, 10000, 6040, 0, 6040, 1981,
    4093, 3248, 1121, 9023, 116, 6649, 10000, 10000, 1919, 0, 30, 669, 100,
];

#[test]
fn peer_filters_match_as_many_users_as_scim2_models() {
    let users = gen_users::users(10_000);
    let filters: Vec<&str> = FILTERS.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(filters.len(), 31);
    let mut wrong = Vec::new();
    for (i, text) in filters.iter().enumerate() {
        let bound = Filter::parse(text, Dialect::Strict)
            .unwrap_or_else(|e| panic!("filter {} does not parse: {e}", i + 1))
            .bind(ResourceSchema::users())
            .unwrap_or_else(|e| panic!("filter {} does not bind: {e}", i + 1));
        let count = users
            .iter()
            .filter(|u| bound.matches(u).expect("object"))
            .count();
        if count != SCIM2_MODELS_COUNTS[i] {
            wrong.push(format!(
                "#{} {text}: {count}, scim2-models {}",
                i + 1,
                SCIM2_MODELS_COUNTS[i]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
