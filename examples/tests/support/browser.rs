//! A browser for end-to-end tests: a cookie jar, redirects followed one hop at a time (so a
//! test sees every URL it passed), and auto-submitting SAML forms submitted as a browser with
//! scripts would. HTML is read with a small tolerant scanner that knows what our pages and the
//! SAML POST binding's forms look like: `<form … action="…">` with `<input name value>` fields.

#![allow(dead_code)]

use reqwest::blocking::Client;
use reqwest::redirect::Policy;

/// One fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL it came from.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: String,
    /// Response headers, lower-case names.
    pub headers: Vec<(String, String)>,
}

impl Page {
    /// Every form on the page, in order.
    pub fn forms(&self) -> Vec<Form> {
        forms(&self.body, &self.url)
    }

    /// The first form whose action contains `needle`.
    pub fn form_to(&self, needle: &str) -> Option<Form> {
        self.forms().into_iter().find(|f| f.action.contains(needle))
    }

    /// The `Location` header, resolved against the page's URL.
    pub fn location(&self) -> Option<String> {
        self.header("location").map(|l| resolve(&self.url, l))
    }

    /// A response header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a browser running scripts would submit the page's first form at once: the SAML
    /// POST binding's `onload="document.forms[0].submit()"` or a script calling `.submit()`.
    pub fn auto_submits(&self) -> bool {
        let lower = self.body.to_ascii_lowercase();
        (lower.contains("onload=") && lower.contains(".submit()"))
            || (lower.contains("<script") && lower.contains(".submit()"))
    }
}

/// A form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The action, resolved against the page's URL.
    pub action: String,
    /// `get` or `post`.
    pub method: String,
    /// The named inputs (and buttons with a name), in order, with their values.
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets (or adds) a field.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        match self.fields.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = value.to_owned(),
            None => self.fields.push((name.to_owned(), value.to_owned())),
        }
        self
    }
}

/// A cookie-keeping client.
pub struct Browser {
    client: Client,
    /// Every URL requested, in order.
    pub visited: Vec<String>,
    /// URL prefixes not to go to on its own: a redirect or auto-post there is returned as the
    /// page instead of followed.
    pub stop_before: Vec<String>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub fn new() -> Browser {
        Browser {
            client: Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .expect("client"),
            visited: Vec::new(),
            stop_before: Vec::new(),
        }
    }

    fn fetch(&mut self, method: &str, url: &str, form: Option<&[(String, String)]>) -> Page {
        self.visited.push(format!("{method} {url}"));
        let request = match form {
            Some(fields) => self.client.post(url).form(fields),
            None => self.client.get(url),
        };
        let response = request
            .send()
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let body = response.text().unwrap_or_default();
        Page {
            url: url.to_owned(),
            status,
            body,
            headers,
        }
    }

    /// Follows redirects and auto-submitting forms from `page` until a page that is neither,
    /// at most 20 hops.
    fn settle(&mut self, mut page: Page) -> Page {
        for _ in 0..20 {
            if matches!(page.status, 301 | 302 | 303 | 307 | 308) {
                let location = page.header("location").expect("redirect without Location");
                let target = resolve(&page.url, location);
                if self.stops_before(&target) {
                    return page;
                }
                // 307/308 would repeat a POST; none of our flows use them.
                page = self.fetch("GET", &target, None);
                continue;
            }
            if page.status == 200 && page.auto_submits() {
                let form = page.forms().into_iter().next().expect("auto-submit form");
                if self.stops_before(&form.action) {
                    return page;
                }
                page = self.submit_once(&form);
                continue;
            }
            return page;
        }
        panic!("more than 20 redirects or auto-posts: {:?}", self.visited);
    }

    fn stops_before(&self, url: &str) -> bool {
        self.stop_before
            .iter()
            .any(|prefix| url.starts_with(prefix.as_str()))
    }

    fn submit_once(&mut self, form: &Form) -> Page {
        if form.method == "get" {
            let query: String = form
                .fields
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let sep = if form.action.contains('?') { '&' } else { '?' };
            self.fetch("GET", &format!("{}{sep}{query}", form.action), None)
        } else {
            self.fetch("POST", &form.action, Some(&form.fields))
        }
    }

    /// GET, then redirects and auto-posts.
    pub fn get(&mut self, url: &str) -> Page {
        let page = self.fetch("GET", url, None);
        self.settle(page)
    }

    /// GET one hop only (no redirects followed).
    pub fn get_once(&mut self, url: &str) -> Page {
        self.fetch("GET", url, None)
    }

    /// Submits a form, then redirects and auto-posts.
    pub fn submit(&mut self, form: &Form) -> Page {
        let page = self.submit_once(form);
        self.settle(page)
    }

    /// POSTs fields to a URL, then redirects and auto-posts.
    pub fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let page = self.fetch("POST", url, Some(&fields));
        self.settle(page)
    }
}

/// Percent-encoding for a query component.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// `reference` resolved against `base` (absolute URLs, absolute paths, and relative paths).
pub fn resolve(base: &str, reference: &str) -> String {
    if reference.starts_with("http://") || reference.starts_with("https://") {
        return reference.to_owned();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let origin_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let origin = &base[..origin_end];
    if reference.starts_with('/') {
        return format!("{origin}{reference}");
    }
    let path = &base[origin_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{origin}{dir}{reference}")
}

/// The five HTML escapes our pages use, and numeric references.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The attributes of one start tag's text (after the tag name).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = tag.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        let name = tag[start..i].to_ascii_lowercase();
        if name.is_empty() {
            break;
        }
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            let value = match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let open = i + 1;
                    let close = tag[open..]
                        .find(char::from(q))
                        .map_or(tag.len(), |j| open + j);
                    i = close + 1;
                    &tag[open..close]
                }
                _ => {
                    let open = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    &tag[open..i]
                }
            };
            out.push((name, unescape(value)));
        } else {
            out.push((name, String::new()));
        }
    }
    out
}

fn attribute<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The forms of an HTML page.
pub fn forms(html: &str, page_url: &str) -> Vec<Form> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<form").map(|i| at + i) {
        let tag_end = lower[start..].find('>').map_or(lower.len(), |i| start + i);
        let attrs = attributes(&html[start + 5..tag_end]);
        let end = lower[tag_end..]
            .find("</form")
            .map_or(lower.len(), |i| tag_end + i);
        let inner = &html[tag_end..end];
        let inner_lower = &lower[tag_end..end];
        let mut fields = Vec::new();
        let mut j = 0;
        while let Some(pos) = inner_lower[j..].find("<input").map(|i| j + i) {
            let close = inner_lower[pos..]
                .find('>')
                .map_or(inner.len(), |i| pos + i);
            let input = attributes(&inner[pos + 6..close]);
            let kind = attribute(&input, "type")
                .unwrap_or("text")
                .to_ascii_lowercase();
            if let Some(name) = attribute(&input, "name")
                && kind != "submit"
                && kind != "button"
                && (kind != "checkbox" || attribute(&input, "checked").is_some())
            {
                fields.push((
                    name.to_owned(),
                    attribute(&input, "value").unwrap_or_default().to_owned(),
                ));
            }
            j = close;
        }
        let action = attribute(&attrs, "action").unwrap_or(page_url);
        out.push(Form {
            action: resolve(page_url, action),
            method: attribute(&attrs, "method")
                .unwrap_or("get")
                .to_ascii_lowercase(),
            fields,
        });
        at = end;
    }
    out
}

#[test]
fn the_scanner_reads_a_saml_post_form() {
    // The shape fedkit_saml::post_form writes (crates/saml/src/post.rs), escapes included.
    let html = "<body onload=\"document.forms[0].submit()\"><form method=\"post\" \
action=\"https://sp.example/acs?a=1&amp;b=2\"><input type=\"hidden\" name=\"SAMLResponse\" \
value=\"PHg+&#43;\"><input type=\"hidden\" name=\"RelayState\" value=\"&quot;r&quot;\">\
<noscript><button type=\"submit\">Continue</button></noscript></form></body>";
    let page = Page {
        url: "http://idp.example/saml/app/sso".into(),
        status: 200,
        body: html.into(),
        headers: Vec::new(),
    };
    assert!(page.auto_submits());
    let form = page.forms().remove(0);
    assert_eq!(form.action, "https://sp.example/acs?a=1&b=2");
    assert_eq!(form.method, "post");
    assert_eq!(form.field("SAMLResponse"), Some("PHg++"));
    assert_eq!(form.field("RelayState"), Some("\"r\""));
    assert_eq!(resolve("http://h:1/a/b?x", "/c"), "http://h:1/c");
    assert_eq!(resolve("http://h:1/a/b?x", "c"), "http://h:1/a/c");
}
