//! scim.parse and scim.eval, the figures of `../shared/research/perf.md` (§ SCIM):
//! - parse: the 31 filters of `shared/peers/fixtures/filters.txt` round-robin, in filters/s
//!   (peer to beat: kanidm scim_proto, which accepts 28 of them; we accept all 31);
//! - bind: the same filters bound to the User schema;
//! - eval: the 31 bound filters × the peers' 10 000 generated users, in evaluations/s (peer to
//!   beat: scim-filter 0.2.3 at ~300k/s, wrong on 7 filters). Match counts are printed as
//!   `NOTE scim.eval ours users=10000 matches=…` to compare with the peers' lines.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fedkit_scim::{Dialect, Filter, ResourceSchema};

#[path = "../../crates/scim/tests/filter_gen/users.rs"]
mod gen_users;

const FILTERS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/filters.txt"
));

fn filters() -> Vec<&'static str> {
    FILTERS.lines().filter(|l| !l.trim().is_empty()).collect()
}

fn bench(c: &mut Criterion) {
    let texts = filters();
    let mut group = c.benchmark_group("scim");

    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(Filter::parse(black_box(text), Dialect::Strict).ok());
            }
        })
    });

    let parsed: Vec<Filter> = texts
        .iter()
        .map(|t| Filter::parse(t, Dialect::Strict).expect("parses"))
        .collect();
    group.bench_function("bind", |b| {
        b.iter(|| {
            for filter in &parsed {
                black_box(filter.bind(ResourceSchema::users()).ok());
            }
        })
    });

    let bound: Vec<_> = parsed
        .iter()
        .map(|f| f.bind(ResourceSchema::users()).expect("binds"))
        .collect();
    let users = gen_users::users(10_000);
    let counts: Vec<String> = bound
        .iter()
        .map(|f| {
            users
                .iter()
                .filter(|u| f.matches(u).unwrap_or(false))
                .count()
                .to_string()
        })
        .collect();
    println!(
        "NOTE scim.eval ours users={} matches={}",
        users.len(),
        counts.join(",")
    );

    group.throughput(Throughput::Elements((bound.len() * users.len()) as u64));
    group.sample_size(10);
    group.bench_function("eval", |b| {
        b.iter(|| {
            let mut matched = 0usize;
            for filter in &bound {
                for user in &users {
                    matched += usize::from(filter.matches(user).unwrap_or(false));
                }
            }
            black_box(matched)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
