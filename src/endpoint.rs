//! The API's endpoints: their paths, and what to tell the user when one answers 403 or 404.

use crate::ids::{Id, IdKind};

/// One endpoint of the Hotjar API, with the ids that address it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Surveys {
        site: Id,
    },
    Survey {
        site: Id,
        survey: Id,
    },
    Responses {
        site: Id,
        survey: Id,
    },
    /// User lookup (`delete: false`) or deletion (`delete: true`); one path for both.
    UserLookup {
        organization: Id,
        delete: bool,
    },
}

impl Endpoint {
    pub fn path(&self) -> String {
        match self {
            Endpoint::Token => "/v1/oauth/token".to_string(),
            Endpoint::Surveys { site } => format!("/v1/sites/{}/surveys", site.path_segment()),
            Endpoint::Survey { site, survey } => format!(
                "/v1/sites/{}/surveys/{}",
                site.path_segment(),
                survey.path_segment()
            ),
            Endpoint::Responses { site, survey } => format!(
                "/v1/sites/{}/surveys/{}/responses",
                site.path_segment(),
                survey.path_segment()
            ),
            Endpoint::UserLookup { organization, .. } => format!(
                "/v1/organizations/{}/user-lookup",
                organization.path_segment()
            ),
        }
    }

    /// What was being fetched, for the start of an error message.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Token => "Exchanging the API key for an access token".to_string(),
            Endpoint::Surveys { site } => format!("Listing the surveys of site {site}"),
            Endpoint::Survey { site, survey } => format!("Fetching survey {survey} of site {site}"),
            Endpoint::Responses { site, survey } => {
                format!("Fetching the responses of survey {survey} of site {site}")
            }
            Endpoint::UserLookup {
                organization,
                delete: false,
            } => format!("Requesting a user lookup (data report) in organization {organization}"),
            Endpoint::UserLookup {
                organization,
                delete: true,
            } => format!("Deleting a data subject's data in organization {organization}"),
        }
    }

    /// The advice for a 404.
    pub fn not_found_hint(&self) -> String {
        match self {
            Endpoint::Token => "The token endpoint does not exist at this base_url; check that \
                 base_url points at the Hotjar API (https://api.hotjar.io)."
                .to_string(),
            Endpoint::Surveys { site } => format!(
                "Site {site} was not found. {}",
                IdKind::Site.where_to_find()
            ),
            Endpoint::Survey { site, survey } | Endpoint::Responses { site, survey } => format!(
                "Survey {survey} was not found on site {site}: either the survey id is wrong \
                 (list_surveys() shows the surveys of a site) or the site id is. {}",
                IdKind::Site.where_to_find()
            ),
            Endpoint::UserLookup { organization, .. } => format!(
                "Organization {organization} was not found. {} The API key must also have been \
                 created for this organization.",
                IdKind::Organization.where_to_find()
            ),
        }
    }

    /// The advice for another 4xx (400, 422, ...).
    pub fn bad_request_hint(&self) -> String {
        match self {
            Endpoint::UserLookup { .. } => "Hotjar rejected the data subject: check the email \
                 address and the user ids (a map of site id to the user id sent through \
                 Hotjar's Identify API)."
                .to_string(),
            _ => "the server rejected the request's parameters.".to_string(),
        }
    }

    /// The advice for a 403.
    pub fn forbidden_hint(&self) -> String {
        let site = match self {
            Endpoint::Token => return "The API key is not allowed to get a token.".to_string(),
            Endpoint::UserLookup { organization, .. } => {
                return format!(
                    "This API key may not look up or delete users in organization \
                     {organization}. User lookup and deletion need a Hotjar Observe Scale or Ask \
                     Scale plan, an API key whose scope includes user lookup, and a key created \
                     for organization {organization}."
                )
            }
            Endpoint::Surveys { site }
            | Endpoint::Survey { site, .. }
            | Endpoint::Responses { site, .. } => site,
        };
        format!(
            "This API key may not read the surveys of site {site}. Exporting survey responses \
             needs a Hotjar Ask Scale plan (user lookup and deletion need Observe Scale or Ask \
             Scale), an API key whose scope includes surveys, and site {site} must belong to the \
             organization the key was created for."
        )
    }
}
