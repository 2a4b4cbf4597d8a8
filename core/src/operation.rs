//! The one seam every binding reaches calls through. An [`Operation`] is a call whose arguments
//! were checked and whose request was prepared — once — together with what success means for
//! it. A binding builds one (`Operation::request`, `Operation::close`, and each typed call to
//! come), then runs it however its language waits: `run` on a runtime, or
//! `wxpay_runtime::blocking::execute`. So a new typed call is one constructor here plus a thin
//! method per language.

use crate::client::{Client, CloseOrder, PreparedRequest, Response};
use crate::error::Result;
use crate::options::RequestOptions;

/// What a 2xx answer must be for the call to succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Success {
    /// Any verified 2xx (generic requests).
    Any2xx,
    /// `204 No Content` (closing an order).
    NoContent,
}

/// A prepared call and what success means for it.
#[derive(Clone, Debug)]
pub struct Operation {
    prepared: PreparedRequest,
    success: Success,
}

impl Operation {
    /// A generic request: `method` on `template` with the PHP SDK's options.
    pub fn request(
        client: &Client,
        method: &str,
        template: &str,
        options: &RequestOptions,
    ) -> Result<Operation> {
        Ok(Operation {
            prepared: client.prepare(method, template, options)?,
            success: Success::Any2xx,
        })
    }

    /// Closing an order (HK legacy or Global endpoint, by transaction id or out_trade_no).
    pub fn close(client: &Client, order: &CloseOrder) -> Result<Operation> {
        Ok(Operation {
            prepared: client.prepare_close(order)?,
            success: Success::NoContent,
        })
    }

    /// The request, exactly as it will be signed and sent.
    pub fn prepared(&self) -> &PreparedRequest {
        &self.prepared
    }

    /// What the call returns for a verified 2xx answer `response`.
    pub fn accept(&self, response: Response) -> Result<Response> {
        match self.success {
            Success::Any2xx => Ok(response),
            Success::NoContent => CloseOrder::accept(response),
        }
    }

    /// Send with `client` (on the caller's runtime) and accept the answer.
    pub async fn run(&self, client: &Client) -> Result<Response> {
        self.accept(client.execute(&self.prepared).await?)
    }
}
