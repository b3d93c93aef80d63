//! `gpu-reservation-gap`: a GPU workload without a GPU device reservation, and malformed device
//! reservations.

use crate::diagnostic::{Fix, Severity};
use crate::model::Service;
use crate::rules::fixes::{own_get, own_path, service_fix};
use crate::rules::Reporter;
use crate::rules::Scope;
use crate::yaml::edit::{self, Value};
use crate::yaml::Typed;

crate::declare_rule! {
    GpuReservationGap {
        name: "gpu-reservation-gap",
        code: "HY107",
        category: "policy",
        severity: Warning,
        fix: Sometimes,
        summary: "A GPU workload reserves no GPU (deploy.resources.reservations.devices), or a device reservation is malformed",
    }
}

impl crate::rules::Rule for GpuReservationGap {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

/// Why a service is a GPU workload, if it is one.
pub fn gpu_reason(t: &Scope, svc: &Service) -> Option<String> {
    let k = t.knowledge;
    if let Some(i) = svc.image().filter(|i| k.gpu_images.matches_image(i)) {
        return Some(format!("image `{i}`"));
    }
    if let Some(env) = svc.get("environment").and_then(|e| e.as_map()) {
        if let Some(e) = env
            .iter()
            .find(|e| k.gpu_environment.iter().any(|g| g == e.key_str()))
        {
            return Some(format!("environment `{}`", e.key_str()));
        }
    }
    None
}

/// A service that gets a GPU some other way than a reservation, or that is meant to run
/// without an NVIDIA one: the reason, for the rule page's list of exemptions.
fn exempt(t: &Scope, svc: &Service) -> Option<&'static str> {
    let has_word = |s: &str, w: &str| super::words(s).any(|x| x == w);
    // The CPU variant of a GPU service (`ollama-cpu` beside `ollama-gpu`, a `cpu` profile, an
    // image tagged for the CPU).
    let tag = svc
        .image()
        .and_then(|i| i.rsplit_once(':').map(|(_, t)| t))
        .filter(|t| !t.contains('/'));
    if has_word(&svc.name, "cpu")
        || svc.profiles.iter().any(|p| has_word(p, "cpu"))
        || tag.is_some_and(|t| has_word(t, "cpu"))
    {
        return Some("cpu variant");
    }
    // Given GPUs without a reservation: `gpus:`, the legacy NVIDIA runtime, device files or
    // CDI names (`nvidia.com/gpu=all`); AMD/ROCm (`/dev/kfd`) and Intel (`/dev/dri`) devices,
    // which an NVIDIA reservation would not serve.
    if svc.get("gpus").is_some_and(|g| !g.is_null()) {
        return Some("gpus");
    }
    if svc
        .str("runtime")
        .is_some_and(|r| t.knowledge.gpu_runtimes.iter().any(|g| g == r))
    {
        return Some("runtime");
    }
    let devices = svc.get("devices").and_then(|d| d.as_seq()).unwrap_or(&[]);
    let device_gpu = devices.iter().any(|d| {
        let source = d
            .get("source")
            .and_then(|s| s.scalar_string())
            .or_else(|| d.scalar_string())
            .unwrap_or_default();
        source.starts_with("/dev/nvidia")
            || source.starts_with("/dev/kfd")
            || source.starts_with("/dev/dri")
            || source.contains(".com/gpu")
    });
    if device_gpu {
        return Some("devices");
    }
    let env_amd = svc
        .get("environment")
        .and_then(|e| e.as_map())
        .is_some_and(|env| {
            env.iter().any(|e| {
                matches!(
                    e.key_str(),
                    "AMD_VISIBLE_DEVICES"
                        | "HIP_VISIBLE_DEVICES"
                        | "ROCR_VISIBLE_DEVICES"
                        | "HSA_OVERRIDE_GFX_VERSION"
                )
            })
        });
    if env_amd
        || svc
            .image()
            .is_some_and(|i| i.to_ascii_lowercase().contains("rocm"))
    {
        return Some("amd");
    }
    // A one-shot job (pulling or converting a model) needs no GPU.
    if super::is_one_shot(t.project, svc) {
        return Some("one-shot");
    }
    None
}

fn gpu_device() -> Value {
    Value::Map(vec![
        ("driver".into(), Value::Scalar("nvidia".into())),
        ("count".into(), Value::Scalar("all".into())),
        ("capabilities".into(), Value::FlowSeq(vec!["gpu".into()])),
    ])
}

/// Add (or complete) `deploy.resources.reservations.devices` in the service's own mapping,
/// merging into whatever part of that path it already has.
fn reservation_fix(t: &Scope, svc: &Service) -> Option<Fix> {
    service_fix(
        t,
        svc,
        "Reserve all NVIDIA GPUs (driver: nvidia, count: all, capabilities: [gpu])",
        vec![format!(
            "/services/{}/deploy/resources/reservations",
            svc.name
        )],
        |src, node| {
            let path = ["deploy", "resources", "reservations", "devices"];
            let edit = match own_path(node, &path) {
                Some(devices) => match devices.as_seq() {
                    Some(items) => match items
                        .iter()
                        .find(|d| d.is_map() && own_get(d, "capabilities").is_none())
                    {
                        Some(dev) => edit::insert_entry(
                            src,
                            dev,
                            "capabilities",
                            &Value::FlowSeq(vec!["gpu".into()]),
                        ),
                        None => edit::append_item(src, devices, &gpu_device()),
                    },
                    None => None,
                },
                None => edit::insert_into(src, node, &path, Value::Seq(vec![gpu_device()])),
            };
            edit.into_iter().collect()
        },
    )
}

fn check(t: &Scope, out: &mut Reporter) {
    let meta = &META;
    {
        let p = t.project;
        for svc in p.services.values() {
            let reservations = svc.node.path(&["deploy", "resources", "reservations"]);
            let devices = reservations
                .and_then(|r| r.get("devices"))
                .and_then(|d| d.as_seq())
                .unwrap_or(&[]);
            let mut has_gpu = false;
            for dev in devices {
                let caps = dev.get("capabilities");
                let gpu = caps
                    .and_then(|c| c.as_seq())
                    .unwrap_or(&[])
                    .iter()
                    .any(|c| c.as_str() == Some("gpu"));
                has_gpu |= gpu;
                let bad = |msg: String, at: &crate::yaml::Node| {
                    t.at_value(meta, svc, at, msg)
                        .with_severity(Severity::Error)
                };
                if caps.is_none_or(|c| c.as_seq().is_none_or(|s| s.is_empty())) {
                    out.push(bad(
                        format!("device reservation of `{}` has no capabilities: compose requires them (`capabilities: [gpu]`)", svc.name),
                        dev,
                    ));
                }
                if let (Some(count), Some(_)) = (dev.get("count"), dev.get("device_ids")) {
                    out.push(bad(
                        format!("device reservation of `{}` sets both count and device_ids: compose accepts one or the other", svc.name),
                        count,
                    ));
                }
                if let Some(count) = dev.get("count") {
                    let ok = match count.typed() {
                        Typed::Int(n) => n > 0,
                        Typed::Str(s) => s == "all" || s.parse::<i64>().is_ok_and(|n| n > 0),
                        _ => false,
                    };
                    if !ok {
                        out.push(bad(
                            format!(
                                "device count `{}` of `{}` is neither a positive integer nor \"all\"",
                                count.scalar_string().unwrap_or_default(),
                                svc.name
                            ),
                            count,
                        ));
                    }
                }
            }
            if has_gpu {
                continue;
            }
            let Some(reason) = gpu_reason(t, svc) else {
                continue;
            };
            if exempt(t, svc).is_some() {
                continue;
            }
            let message = format!(
                "GPU workload `{}` ({reason}) reserves no GPU: without `deploy.resources.reservations.devices` \
                 with `capabilities: [gpu]` it runs on the CPU",
                svc.name
            );
            out.push(
                match reservations {
                    Some(r) => t.at_value(meta, svc, r, message),
                    None => t.at_service(meta, svc, message),
                }
                .with_fix(crate::rules::fix_if(t.fixes, || reservation_fix(t, svc))),
            );
        }
    }
}
