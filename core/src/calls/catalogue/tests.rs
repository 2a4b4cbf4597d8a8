//! The catalogue checks itself: every entry is consistent (placeholders have path arguments,
//! names are unique, body paths do not collide), and its rules give the documented requests.
use super::*;

#[test]
fn every_entry_is_consistent() {
    let mut names = std::collections::HashSet::new();
    for c in CALLS {
        assert!(names.insert(c.name), "{} declared twice", c.name);
        assert!(!c.endpoints.is_empty(), "{} has no endpoint", c.name);
        for e in c.endpoints {
            if c.builder != Builder::Standard {
                continue;
            }
            for p in crate::uri::placeholders(e.template).unwrap() {
                assert!(
                    c.args().any(|a| a.name == p && matches!(a.to, To::Path)),
                    "{}: placeholder {p} has no path argument",
                    c.name
                );
            }
        }
        // A result's own keys are not field names (the HTTP status, the Request-ID, the answer).
        let fields = match c.returns {
            Returns::Shape { fields, .. } | Returns::Json { fields, .. } => fields,
            _ => &[],
        };
        for f in fields {
            assert!(
                !["status", "request_id", "raw", "status_code"].contains(&f.name),
                "{}: field {} collides with the result's own key",
                c.name,
                f.name
            );
        }
        if let Some(lead) = c.lead {
            assert!(c.args().any(|a| a.name == lead), "{}: lead {lead}", c.name);
        }
        for f in c.families().iter() {
            // Each argument name is declared at most once per family.
            let mut seen = std::collections::HashSet::new();
            for a in c.args().filter(|a| a.families.has(f)) {
                assert!(
                    seen.insert(a.name),
                    "{}: {} twice for {}",
                    c.name,
                    a.name,
                    f.name()
                );
            }
        }
    }
}

#[test]
fn the_catalogue_is_json() {
    let v = catalogue_json();
    let calls = v["calls"].as_array().unwrap();
    assert_eq!(calls.len(), CALLS.len());
    assert_eq!(serde_json::from_str::<Value>(catalogue_text()).unwrap(), v);
}
