//! The command line and the configuration file turned into the options of a run.

use super::*;

/// The rules enabled by the configuration, then `--select`/`--ignore` (the command line wins).
pub(super) fn enabled_rules(
    a: &CheckArgs,
    c: &Config,
) -> Result<Option<HashSet<&'static str>>, String> {
    // The command line's --select replaces the configuration's choice; --extend-select adds
    // to whichever choice stands (to every rule, when none was made).
    let mut select: Vec<String> = if !a.select.is_empty() {
        a.select.clone()
    } else if let Some(s) = &c.select {
        s.iter().chain(&c.extend_select).cloned().collect()
    } else if !c.extend_select.is_empty() {
        std::iter::once("ALL".to_string())
            .chain(c.extend_select.iter().cloned())
            .collect()
    } else {
        vec![]
    };
    if !select.is_empty() {
        select.extend(a.extend_select.iter().cloned());
    } else {
        // Every rule runs already; the selectors are still checked.
        for sel in &a.extend_select {
            if registry::select(sel).is_empty() {
                return Err(format!(
                    "unknown rule selector {sel:?}; `hylint rules` lists them"
                ));
            }
        }
    }
    let ignore: Vec<String> = c.ignore.iter().chain(&a.ignore).cloned().collect();
    if select.is_empty() && ignore.is_empty() {
        return Ok(None);
    }
    let resolve = |sel: &str| -> Result<Vec<&'static str>, String> {
        let rules = registry::select(sel);
        if rules.is_empty() {
            return Err(format!(
                "unknown rule selector {sel:?}; `hylint rules` lists them"
            ));
        }
        Ok(rules.iter().map(|r| r.name).collect())
    };
    let mut on: HashSet<&'static str> = if select.is_empty() {
        registry::ALL.iter().map(|r| r.name).collect()
    } else {
        let mut s = HashSet::new();
        for sel in &select {
            s.extend(resolve(sel)?);
        }
        s
    };
    for sel in &ignore {
        for r in resolve(sel)? {
            on.remove(r);
        }
    }
    Ok(Some(on))
}

/// The configuration: `--config`, else the nearest hylint.toml above the first path.
pub(super) fn load_config(a: &CheckArgs, paths: &[PathBuf]) -> Result<Config, String> {
    let path = match &a.config {
        Some(p) => Some(p.clone()),
        None => crate::config::find(
            paths
                .first()
                .map(|p| p.as_path())
                .unwrap_or(std::path::Path::new(".")),
        ),
    };
    match path {
        Some(p) => crate::config::load(&p).map_err(|e| e.to_string()),
        None => Ok(Config::default()),
    }
}

pub(super) fn check_options(
    a: &CheckArgs,
    paths: Vec<PathBuf>,
    c: &Config,
) -> Result<CheckOptions, String> {
    let mut load = a.load.options();
    load.overrides = a.files.iter().skip(1).cloned().collect();
    if load.profiles.is_empty() {
        load.profiles = c.profiles.clone();
    }
    if load.env_files.is_empty() {
        load.env_files = c.env_files.clone();
    }
    let knowledge = if c.exporter_images.is_empty()
        && c.exporter_names.is_empty()
        && c.gpu_images.is_empty()
        && c.healthcheck_images.is_empty()
    {
        None
    } else {
        let mut k = Knowledge::builtin().clone();
        k.exporter_images.extend(&c.exporter_images);
        k.exporter_names.extend(&c.exporter_names);
        k.gpu_images.extend(&c.gpu_images);
        k.healthcheck_declared.extend(&c.healthcheck_images);
        Some(std::sync::Arc::new(k))
    };
    let baseline = match &a.baseline {
        Some(p) => Some(std::sync::Arc::new(crate::baseline::read(p)?)),
        None => None,
    };
    let given = if a.files.is_empty() {
        paths.clone()
    } else {
        a.files.clone()
    };
    Ok(CheckOptions {
        confinement: Some(a.load.confinement(&given)),
        paths,
        load,
        rules: RuleOptions {
            enabled: enabled_rules(a, c)?,
            healthcheck_strict: c.healthcheck_strict,
            static_ip_allowed_networks: c.allowed_networks.clone(),
            default_limits: c.default_cpus.clone().zip(c.default_memory.clone()),
        },
        knowledge,
        path_ignores: crate::config::PathIgnores::new(c),
        severity: crate::config::severity_map(c),
        baseline,
        keep_projects: false,
        keep_models: false,
        drop_fixes: !(a.fix || a.diff || a.statistics)
            && std::iter::once(a.format)
                .chain(a.outputs.iter().map(|(f, _)| *f))
                .all(|f| {
                    matches!(
                        f,
                        Format::Concise | Format::Github | Format::Junit | Format::Gitlab
                    )
                }),
        chunk: 0,
        changed: None,
    })
}

/// Whether colour is forced or refused by the environment (`NO_COLOR`, `FORCE_COLOR`,
/// `CLICOLOR_FORCE`), for `--color auto`.
pub(super) fn color_from_env() -> Option<bool> {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    if set("NO_COLOR") {
        Some(false)
    } else if set("FORCE_COLOR") || set("CLICOLOR_FORCE") {
        Some(true)
    } else {
        None
    }
}
