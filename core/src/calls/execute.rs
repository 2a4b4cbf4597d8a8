//! Running a prepared request to its verified answer: certificates first when they are
//! downloaded (`auto_certificates`), then the attempts (`Client::execute_unverified`: signing,
//! sending, retries), then verification of the answer — again once with fresh certificates when
//! it names a serial the client does not know yet.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::events::Observer;
use crate::protocol::request::PreparedRequest;
use crate::response::{request_id_of, Response};
use crate::sign::SignatureHeaders;
use crate::transport::Transport;

impl Client {
    /// Send a prepared request, signing each attempt afresh, retrying connect failures and
    /// 429/500/502/503 answers up to `retries` times with jittered exponential backoff.
    pub async fn execute(&self, prepared: &PreparedRequest) -> Result<Response> {
        let observer = self.observer(prepared);
        observer.finish(self.execute_on(self.http(), prepared, &observer).await)
    }

    /// [`Client::execute`] through `transport` (made by this client's
    /// [`Client::new_transport`]) instead of the client's own pool.
    pub async fn execute_via(
        &self,
        transport: &Transport,
        prepared: &PreparedRequest,
    ) -> Result<Response> {
        let observer = self.observer(prepared);
        observer.finish(
            self.execute_via_observed(transport, prepared, &observer)
                .await,
        )
    }

    pub(crate) async fn execute_via_observed(
        &self,
        transport: &Transport,
        prepared: &PreparedRequest,
        observer: &Observer<'_>,
    ) -> Result<Response> {
        if transport.key != self.transport_key() {
            return Err(Error::invalid(
                "this transport was made for other connection settings (connect_timeout, ca_certs, resolve or proxy); make one with this client's new_transport()",
            ));
        }
        self.execute_on(&transport.http, prepared, observer).await
    }

    pub(crate) async fn execute_on(
        &self,
        http: &crate::transport::Http,
        prepared: &PreparedRequest,
        observer: &Observer<'_>,
    ) -> Result<Response> {
        self.certificates_before_call(http).await?;
        let (status, headers, body) = self.execute_unverified(http, prepared, observer).await?;
        let generation = self.certificate_generation();
        let request_id = request_id_of(&headers);
        let check = || {
            let now = self.now();
            SignatureHeaders::from_header_map(&headers)
                .and_then(|signed| self.verifier().verify(signed, &body, now))
                .map_err(|e| e.with_response(status, request_id.clone()))
        };
        match check() {
            // A serial the client does not know yet (a rotation): with auto_certificates, fetch
            // the certificates (rate-limited, one download for many calls) and verify the same
            // answer again. The request is never sent twice.
            Err(e)
                if e.verify_failure() == Some(crate::VerifyFailure::UnknownSerial)
                    && self.refresh_for_unknown_serial(http, generation).await =>
            {
                check()?
            }
            r => r?,
        }
        Ok(Response::new(status, headers, body))
    }
}
