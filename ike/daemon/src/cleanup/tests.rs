use esp_install::{
    Mark, Mode, PolicyAction, PolicyClass, PolicyDirection, RecordingInstaller, SaTemplate,
    Selector,
};

use super::*;

fn sel(net: &str) -> Selector {
    let from: IpAddr = net.parse().unwrap();
    Selector {
        from,
        to: from,
        protocol: 6,
        from_port: 0,
        to_port: 443,
    }
}

fn policy(direction: PolicyDirection, reqid: u32) -> PolicySpec {
    PolicySpec::esp(
        direction,
        (sel("10.1.0.1"), sel("10.2.0.1")),
        (reqid, Mode::Tunnel),
        ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()),
        PolicyClass::Default,
    )
}

fn sa(spi: u32) -> SaId {
    SaId {
        spi,
        dst: "192.0.2.1".parse().unwrap(),
        protocol: Protocol::Esp,
    }
}

#[test]
fn entries_survive_their_lines() {
    let mut v6 = policy(PolicyDirection::Fwd, 7);
    v6.src_ts = sel("2001:db8::1");
    v6.dst_ts = sel("2001:db8::2");
    v6.action = PolicyAction::Protect(SaTemplate {
        reqid: 7,
        protocol: Protocol::Ah,
        mode: Mode::Transport,
        src: "2001:db8::a".parse().unwrap(),
        dst: "2001:db8::b".parse().unwrap(),
        spi: Some(0xc000_0001),
    });
    v6.class = PolicyClass::Routed;
    v6.priority = Some(1000);
    v6.mark = Some(Mark {
        value: 42,
        mask: u32::MAX,
    });
    v6.if_id = 3;
    v6.interface = Some("eth0".into());
    let mut drop = policy(PolicyDirection::Out, 1);
    drop.action = PolicyAction::Drop;
    for entry in [
        Entry::Policy(v6),
        Entry::Policy(drop),
        Entry::Sa(sa(0xc1c2_c3c4)),
    ] {
        assert_eq!(
            Entry::parse(&entry.line()),
            Some(entry.clone()),
            "{}",
            entry.line()
        );
    }
    assert_eq!(Entry::parse("sa zz 192.0.2.1 esp"), None);
    assert_eq!(Entry::parse("garbage"), None);
}

#[test]
fn the_state_file_follows_what_is_installed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let mut j = Journaled::new(RecordingInstaller::new(), path.clone());
    let spi = j
        .get_spi(
            "192.0.2.2".parse().unwrap(),
            "192.0.2.1".parse().unwrap(),
            Protocol::Esp,
        )
        .unwrap();
    j.add_policy(&policy(PolicyDirection::Out, 1)).unwrap();
    j.add_policy(&policy(PolicyDirection::In, 1)).unwrap();
    let live = || journal::read(&path).unwrap_or_default();
    assert_eq!(live().len(), 3);
    assert_eq!(live()[0], Entry::Sa(sa(spi)));
    j.del_policy(&policy(PolicyDirection::Out, 1)).unwrap();
    assert_eq!(live()[1..], [Entry::Policy(policy(PolicyDirection::In, 1))]);
    j.flush().unwrap();
    assert!(!path.exists(), "nothing installed, no file");
}

#[test]
fn the_journal_is_rewritten_once_records_outnumber_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let mut j = Journaled::new(RecordingInstaller::new(), path.clone());
    j.add_policy(&policy(PolicyDirection::Fwd, 9)).unwrap();
    for _ in 0..100 {
        j.add_policy(&policy(PolicyDirection::Out, 1)).unwrap();
        j.del_policy(&policy(PolicyDirection::Out, 1)).unwrap();
    }
    let lines = fs::read_to_string(&path).unwrap().lines().count();
    assert!(lines < 70, "{lines} lines for one entry");
    assert_eq!(
        journal::read(&path).unwrap(),
        [Entry::Policy(policy(PolicyDirection::Fwd, 9))]
    );
}

/// The kernel's SPD and SAD as XFRM keys them: a policy by direction and
/// selectors (adding updates it), an SA by its ID.
#[derive(Default)]
struct Kernel {
    policies: Vec<PolicySpec>,
    sas: Vec<SaId>,
}

impl Installer for Kernel {
    fn get_spi(&mut self, _: IpAddr, _: IpAddr, _: Protocol) -> Result<u32, InstallError> {
        Err(InstallError::NotFound)
    }
    fn add_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError> {
        self.sas.push(sa.id);
        Ok(OffloadMode::None)
    }
    fn update_sa(&mut self, _: &SaId, _: &SaUpdate) -> Result<(), InstallError> {
        Ok(())
    }
    fn query_sa(&mut self, _: &SaId) -> Result<SaStats, InstallError> {
        Err(InstallError::NotFound)
    }
    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        let before = self.sas.len();
        self.sas.retain(|s| s != id);
        if self.sas.len() == before {
            return Err(InstallError::NotFound);
        }
        Ok(())
    }
    fn add_policy(&mut self, p: &PolicySpec) -> Result<(), InstallError> {
        if p.if_id == REFUSED {
            return Err(InstallError::Invalid("refused".into()));
        }
        self.policies.retain(|q| !same_key(p, q));
        self.policies.push(p.clone());
        Ok(())
    }
    fn del_policy(&mut self, p: &PolicySpec) -> Result<(), InstallError> {
        let before = self.policies.len();
        self.policies.retain(|q| !same_key(p, q));
        if self.policies.len() == before {
            return Err(InstallError::NotFound);
        }
        Ok(())
    }
    fn flush(&mut self) -> Result<(), InstallError> {
        Ok(())
    }
    fn events(&mut self) -> Option<mpsc::Receiver<KernelEvent>> {
        None
    }
}

/// The interface ID of policies [`Kernel`] refuses.
const REFUSED: u32 = 666;

#[test]
fn a_policy_the_kernel_refuses_is_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let mut j = Journaled::new(Kernel::default(), path.clone());
    j.add_policy(&policy(PolicyDirection::In, 1)).unwrap();
    let mut bad = policy(PolicyDirection::Out, 1);
    bad.if_id = REFUSED;
    assert!(j.add_policy(&bad).is_err());
    assert_eq!(
        journal::read(&path).unwrap(),
        [Entry::Policy(policy(PolicyDirection::In, 1))]
    );
}

fn same_key(a: &PolicySpec, b: &PolicySpec) -> bool {
    (a.direction, a.src_ts, a.dst_ts) == (b.direction, b.src_ts, b.dst_ts)
}

#[test]
fn after_a_crash_the_next_start_removes_what_the_file_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let mut j = Journaled::new(Kernel::default(), path.clone());
    for direction in [
        PolicyDirection::Out,
        PolicyDirection::In,
        PolicyDirection::Fwd,
    ] {
        j.add_policy(&policy(direction, 1)).unwrap();
    }
    // someone else's policy stays
    let mut other = policy(PolicyDirection::Out, 9);
    other.src_ts = sel("10.9.0.1");
    // SIGKILL: no flush, the kernel keeps everything
    let mut kernel = j.into_inner();
    kernel.add_policy(&other).unwrap();
    kernel.sas.push(sa(0xc000_0002));
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("+ sa c0000002 192.0.2.1 esp\n- garbage\n");
    fs::write(&path, text).unwrap();
    assert_eq!(purge(&mut kernel, &path), 4);
    assert_eq!(kernel.policies, [other]);
    assert!(kernel.sas.is_empty());
    assert!(!path.exists());
    assert_eq!(purge(&mut kernel, &path), 0, "nothing left to do");
}

#[test]
fn the_state_file_lives_next_to_the_vici_socket() {
    assert_eq!(
        state_path(Some("/run/x/charon.vici")),
        Path::new("/run/x/cygnetd.installed")
    );
    assert_eq!(state_path(None), Path::new("/var/run/cygnetd.installed"));
}
