use std::collections::HashMap;

use swanctl_parser::vici::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

#[tokio::test(flavor = "current_thread")]
async fn a_live_socket_is_refused_and_a_stale_one_replaced_with_mode_0660() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charon.vici");
    let live = Listener::bind(&path).unwrap();
    assert!(matches!(Listener::bind(&path), Err(BindError::InUse(_))));
    drop(live);
    assert!(!path.exists(), "dropping the listener removes the socket");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap()); // stale
    let _fresh = Listener::bind(&path).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
}

#[tokio::test(flavor = "current_thread")]
async fn a_file_that_is_not_a_socket_is_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charon.vici");
    fs::write(&path, "keep me").unwrap();
    assert!(matches!(
        Listener::bind(&path),
        Err(BindError::NotASocket(_))
    ));
    assert_eq!(fs::read_to_string(&path).unwrap(), "keep me");
}

/// A driver stand-in answering every request with an empty response.
async fn echo_driver(mut rx: mpsc::Receiver<Inbound>) {
    let mut clients = HashMap::new();
    while let Some(inbound) = rx.recv().await {
        match inbound {
            Inbound::Connected { client, tx } => {
                clients.insert(client, tx);
            }
            Inbound::Packet { client, packet, .. } => {
                if let (Packet::CmdRequest { .. }, Some(tx)) = (packet, clients.get(&client)) {
                    let _ = tx.try_send(vec![Packet::CmdResponse(Message::new())]);
                }
            }
            Inbound::Gone { client } => {
                clients.remove(&client);
            }
        }
    }
}

async fn frame(stream: &mut UnixStream, data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap();
    stream.write_all(&len.to_be_bytes()).await.unwrap();
    stream.write_all(data).await.unwrap();
}

/// Whether the server closes the stream (rather than answering).
async fn closed(stream: &mut UnixStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(stream.read(&mut buf).await, Ok(0) | Err(_))
}

#[tokio::test(flavor = "current_thread")]
async fn oversized_and_garbage_input_close_only_that_client() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charon.vici");
    let listener = Listener::bind(&path).unwrap();
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(listener.serve(tx));
    tokio::spawn(echo_driver(rx));
    let mut good = UnixStream::connect(&path).await.unwrap();

    let mut big = UnixStream::connect(&path).await.unwrap();
    let len = u32::try_from(MAX_SEGMENT + 1).unwrap();
    big.write_all(&len.to_be_bytes()).await.unwrap();
    assert!(
        closed(&mut big).await,
        "an oversized length closes the connection"
    );

    let mut garbage = UnixStream::connect(&path).await.unwrap();
    frame(&mut garbage, &[9, 1, 2, 3]).await;
    assert!(
        closed(&mut garbage).await,
        "an unknown packet type closes it"
    );

    let mut unbalanced = UnixStream::connect(&path).await.unwrap();
    frame(&mut unbalanced, b"\x00\x07version\x02").await;
    assert!(
        closed(&mut unbalanced).await,
        "a malformed message closes it"
    );

    let mut truncated = UnixStream::connect(&path).await.unwrap();
    truncated
        .write_all(&[0, 0, 0, 9, 0, 7, b'v'])
        .await
        .unwrap();
    drop(truncated);

    let request = Packet::request("version", Message::new()).encode().unwrap();
    frame(&mut good, &request).await;
    let mut header = [0u8; 4];
    good.read_exact(&mut header).await.unwrap();
    let mut data = vec![0u8; usize::try_from(u32::from_be_bytes(header)).unwrap()];
    good.read_exact(&mut data).await.unwrap();
    assert_eq!(
        Packet::decode(&data).unwrap(),
        Packet::CmdResponse(Message::new())
    );
}
