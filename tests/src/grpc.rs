//! A raw client of the collector's gRPC services, for what the real binaries never send:
//! invalid batches, undecodable bytes, oversized messages, subscribers that do not read.

use std::time::Duration;

use bytes::{Buf as _, BufMut as _};
use prost::Message as _;
use rampart_proto::{
    v1::{
        AgentMessage, Batch, CollectorMessage, Event, Exec, Hello, Pod, Process, SubscribeRequest,
        SubscribeResponse, Verdict, agent_message, collector_client::CollectorClient, event::Body,
        ingest_client::IngestClient, pod::Attribution, verdict,
    },
    wkt::Timestamp,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Status, Streaming,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    transport::Channel,
};

/// A single-threaded runtime for a test's client side.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

pub async fn channel(url: &str) -> Channel {
    Channel::from_shared(url.to_string())
        .expect("url")
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

/// A channel to an https collector that trusts `ca` (PEM), presenting the client certificate
/// `identity` (PEM certificate, PEM key) when given.
pub async fn tls_channel(
    url: &str,
    ca: &[u8],
    identity: Option<(&[u8], &[u8])>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls =
        tonic::transport::ClientTlsConfig::new().ca_certificate(tonic::transport::Certificate::from_pem(ca));
    if let Some((cert, key)) = identity {
        tls = tls.identity(tonic::transport::Identity::from_pem(cert, key));
    }
    Channel::from_shared(url.to_string())
        .expect("url")
        .tls_config(tls)?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
}

/// An exec event at `time_ns` in `namespace/pod` with the label `app=<app>`, of the node of
/// the stream that sends it (the collector fills the node in).
pub fn event(time_ns: i64, namespace: &str, pod: &str, app: &str, action: verdict::Action) -> Event {
    Event {
        time: Some(Timestamp::from_unix_nanos(time_ns)),
        node: String::new(),
        pod: Some(Pod {
            namespace: namespace.into(),
            name: pod.into(),
            labels: [("app".to_string(), app.to_string())].into(),
            attribution: Attribution::Exact as i32,
            ..Default::default()
        }),
        process: Some(Process { pid: 42, comm: "sh".into(), ..Default::default() }),
        body: Some(Body::Exec(Exec {
            binary: "/bin/true".into(),
            args: vec![format!("t{time_ns}")],
            ..Default::default()
        })),
        verdict: Some(Verdict {
            action: action as i32,
            tier: verdict::Tier::None as i32,
            ..Default::default()
        }),
        repeat_count: 0,
        redacted: false,
    }
}

/// An open Ingest stream after its Hello.
pub struct IngestStream {
    pub out: mpsc::Sender<AgentMessage>,
    pub inbound: Streaming<CollectorMessage>,
    pub boot_id: String,
}

impl IngestStream {
    pub async fn open(url: &str, node: &str) -> Result<IngestStream, Status> {
        IngestStream::open_on(channel(url).await, node, None).await
    }

    /// [`open`](Self::open) on a channel the caller made (e.g. with a client certificate),
    /// with a bearer token when given.
    pub async fn open_on(channel: Channel, node: &str, token: Option<&str>) -> Result<IngestStream, Status> {
        IngestStream::resume(channel, node, &crate::random_uuid(), token).await
    }

    /// A stream for an agent boot that already sent events (an agent reconnecting, maybe to
    /// another collector).
    pub async fn resume(
        channel: Channel,
        node: &str,
        boot_id: &str,
        token: Option<&str>,
    ) -> Result<IngestStream, Status> {
        let boot_id = boot_id.to_string();
        let mut client = IngestClient::new(channel).max_encoding_message_size(256 << 20);
        let (out, rx) = mpsc::channel(64);
        let hello = Hello {
            node: node.into(),
            boot_id: boot_id.clone(),
            version: "test".into(),
            ..Default::default()
        };
        out.send(AgentMessage { message: Some(agent_message::Message::Hello(hello)) })
            .await
            .expect("queue hello");
        let mut request = tonic::Request::new(ReceiverStream::new(rx));
        if let Some(t) = token {
            request
                .metadata_mut()
                .insert("authorization", format!("Bearer {t}").parse().expect("a header value"));
        }
        let inbound = client.stream(request).await?.into_inner();
        Ok(IngestStream { out, inbound, boot_id })
    }

    /// Send a batch of this stream's boot and wait for its answer.
    pub async fn send(
        &mut self,
        first_sequence: u64,
        events: Vec<Event>,
    ) -> Result<CollectorMessage, Status> {
        let batch = Batch { boot_id: self.boot_id.clone(), first_sequence, events };
        self.out
            .send(AgentMessage { message: Some(agent_message::Message::Batch(batch)) })
            .await
            .map_err(|_| Status::unavailable("stream closed"))?;
        self.answer().await
    }

    pub async fn answer(&mut self) -> Result<CollectorMessage, Status> {
        match self.inbound.message().await? {
            Some(m) => Ok(m),
            None => Err(Status::unknown("the collector ended the stream with OK")),
        }
    }
}

/// Open a live subscription and do not read it (the caller reads when it wants).
pub async fn subscribe(url: &str, req: SubscribeRequest) -> Streaming<SubscribeResponse> {
    CollectorClient::new(channel(url).await).subscribe(req).await.expect("subscribe").into_inner()
}

/// Bytes in, bytes out: gRPC framing around whatever the test wants to send.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawCodec;

#[derive(Clone, Copy, Debug, Default)]
pub struct RawCoder;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCoder;
    type Decoder = RawCoder;
    fn encoder(&mut self) -> RawCoder {
        RawCoder
    }
    fn decoder(&mut self) -> RawCoder {
        RawCoder
    }
}

impl Encoder for RawCoder {
    type Item = Vec<u8>;
    type Error = Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCoder {
    type Item = Vec<u8>;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let mut v = vec![0; src.remaining()];
        src.copy_to_slice(&mut v);
        Ok(Some(v))
    }
}

/// Send raw messages on an Ingest stream; the status the stream ends with (after any answers).
pub async fn raw_ingest(url: &str, messages: Vec<Vec<u8>>) -> Status {
    raw_ingest_answers(url, messages).await.1
}

/// Send raw messages on an Ingest stream: the collector's answers, and the status the stream
/// ends with (`ok` once every message was sent and answered and the stream closed).
pub async fn raw_ingest_answers(url: &str, messages: Vec<Vec<u8>>) -> (Vec<CollectorMessage>, Status) {
    let mut grpc = tonic::client::Grpc::new(channel(url).await);
    grpc.ready().await.expect("ready");
    let path = tonic::codegen::http::uri::PathAndQuery::from_static("/rampart.v1.Ingest/Stream");
    let request = tonic::Request::new(tokio_stream::iter(messages));
    let mut answers = Vec::new();
    match grpc.streaming(request, path, RawCodec).await {
        Err(status) => (answers, status),
        Ok(response) => {
            let mut inbound = response.into_inner();
            loop {
                match inbound.message().await {
                    Ok(Some(bytes)) => {
                        answers.push(CollectorMessage::decode(&bytes[..]).expect("a CollectorMessage"))
                    }
                    Ok(None) => return (answers, Status::ok("ended")),
                    Err(status) => return (answers, status),
                }
            }
        }
    }
}
