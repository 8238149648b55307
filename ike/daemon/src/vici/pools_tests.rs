use super::*;
use crate::vici::command_tests::{failure, harness_with, ok};
use esp_install::RecordingInstaller;

fn size(addrs: &str) -> (String, u32) {
    let (base, size) = match addrs.split_once('-') {
        Some((from, to)) => base_and_size(PoolAddrs::Range {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
        }),
        None => {
            let (base, prefix) = addrs.split_once('/').unwrap();
            base_and_size(PoolAddrs::Subnet {
                base: base.parse().unwrap(),
                prefix: prefix.parse().unwrap(),
            })
        }
    };
    (base.to_string(), size)
}

#[test]
fn pools_count_addresses_as_charons_mem_pool() {
    let cases = [
        ("10.3.0.0/24", "10.3.0.0", 254),
        ("10.3.0.5/24", "10.3.0.5", 250),
        ("10.3.0.0/30", "10.3.0.0", 2),
        ("10.3.0.0/31", "10.3.0.0", 2),
        ("10.3.0.1/31", "10.3.0.1", 1),
        ("10.3.0.7/32", "10.3.0.7", 1),
        ("10.3.0.1-10.3.0.10", "10.3.0.1", 10),
        ("fd00::/64", "fd00::", (1 << 31) - 2),
        ("fd00::10-fd00::1f", "fd00::10", 16),
    ];
    for (addrs, base, n) in cases {
        assert_eq!(size(addrs), (base.to_owned(), n), "{addrs}");
    }
}

fn pool(name: &str, addrs: &str) -> Message {
    let p = Message::new()
        .with_value("addrs", addrs)
        .with_list("dns", ["10.9.0.1", "10.9.0.2"]);
    Message::new().with_section(name, p)
}

#[tokio::test(flavor = "current_thread")]
async fn pools_load_list_merge_and_unload_with_charons_replies() {
    let mut h = harness_with(Box::new(RecordingInstaller::new()));
    assert_eq!(h.request("load-pool", pool("p1", "10.3.0.0/24")), ok());
    assert_eq!(
        h.request("load-pool", pool("p2", "10.4.0.1-10.4.0.5")),
        ok()
    );
    let all = h.request("get-pools", Message::new());
    assert_eq!(
        all.vici_dump("get-pools reply", false),
        "get-pools reply {p1 {base=10.3.0.0 size=254 online=0 offline=0} \
         p2 {base=10.4.0.1 size=5 online=0 offline=0}}\n"
    );
    let one = Message::new()
        .with_value("name", "p2")
        .with_value("leases", "yes");
    assert_eq!(
        h.request("get-pools", one).vici_dump("r", false),
        "r {p2 {base=10.4.0.1 size=5 online=0 offline=0 leases {}}}\n"
    );
    // same name, other addresses, no online leases: replaced in place
    assert_eq!(h.request("load-pool", pool("p1", "10.5.0.0/16")), ok());
    let store = h.driver.vici.pools.lock();
    let pools = &store.list;
    assert_eq!(pools[0].base.to_string(), "10.5.0.0");
    assert_eq!(pools[0].size, 65534);
    assert_eq!(pools[0].pool.attributes.len(), 2, "dns kept");
    drop(store);
    let unload = |name: &str| Message::new().with_value("name", name);
    assert_eq!(h.request("unload-pool", unload("p1")), ok());
    assert_eq!(
        h.request("unload-pool", unload("p1")),
        failure("p1 not found")
    );
    assert_eq!(
        h.request("unload-pool", Message::new()),
        failure("missing pool name to unload")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn refused_pools_answer_charons_messages_and_online_leases_protect_a_pool() {
    let mut h = harness_with(Box::new(RecordingInstaller::new()));
    let no_addrs = Message::new().with_section("x", Message::new().with_list("dns", ["1.1.1.1"]));
    assert_eq!(
        h.request("load-pool", no_addrs),
        failure("missing addrs for pool 'x'")
    );
    assert_eq!(
        h.request("load-pool", pool("x", "nonsense")),
        failure("invalid addrs value: nonsense")
    );
    assert!(h.driver.vici.pools.lock().list.is_empty());
    assert_eq!(h.request("load-pool", pool("p", "10.3.0.0/24")), ok());
    h.driver.vici.pools.lock().list[0].leases.push(Lease {
        address: "10.3.0.1".parse().unwrap(),
        identity: "a.lab.test".into(),
        online: true,
    });
    assert_eq!(
        h.request("load-pool", pool("p", "10.6.0.0/24")),
        failure("vici pool p has online leases, unable to replace")
    );
    assert_eq!(
        h.request("unload-pool", Message::new().with_value("name", "p")),
        failure("p has online leases, unable to unload")
    );
    let leases = Message::new().with_value("leases", "yes");
    assert_eq!(
        h.request("get-pools", leases).vici_dump("r", false),
        "r {p {base=10.3.0.0 size=254 online=1 offline=0 leases {0 {address=10.3.0.1 \
         identity=a.lab.test status=online}}}}\n"
    );
}
