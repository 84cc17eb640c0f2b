// A Coder workspace template for envbox (a sysbox container inside the pod)
// with exectrace logging every process the workspace starts.
//
// Differences from examples/kubernetes:
// - The workspace runs in envbox's inner container, which has its own PID
//   namespace below the pod's and its own network: it reaches the sidecar
//   through the pod's IP, passed in with the POD_IP environment variable
//   (forwarded into the inner container by CODER_INNER_ENVS).
// - exectrace therefore listens on 0.0.0.0:56123 (pod-local traffic only:
//   nothing routes to a pod port that no Service exposes).
// - exectrace logs the namespace the inner container POSTs and every
//   namespace below it, so containers started inside the workspace (Docker
//   in envbox) are logged too.

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

variable "namespace" {
  type        = string
  description = "The Kubernetes namespace to create workspaces in."
}

variable "exectrace_image" {
  type    = string
  default = "ghcr.io/example/exectrace:latest"
}

data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  // Runs inside the inner container before the agent's own startup: send the
  // inner container's PID namespace inode to exectrace, and wait for it.
  startup_script_behavior = "blocking"
  startup_script          = <<-EOT
    curl \
      --fail \
      --silent \
      --show-error \
      --connect-timeout 5 \
      --retry 30 \
      --retry-delay 1 \
      --retry-all-errors \
      --header "Content-Type: text/plain" \
      --data "$(readlink /proc/self/ns/pid | sed -E 's/pid:\[([0-9]+)\]/\1/')" \
      "http://$POD_IP:56123"
  EOT
}

resource "kubernetes_pod" "main" {
  count = data.coder_workspace.me.start_count

  metadata {
    name      = "coder-${lower(data.coder_workspace_owner.me.name)}-${lower(data.coder_workspace.me.name)}"
    namespace = var.namespace
  }

  spec {
    container {
      name    = "dev"
      image   = "ghcr.io/coder/envbox:latest"
      command = ["/envbox", "docker"]
      security_context {
        privileged = true
      }
      env {
        name  = "CODER_AGENT_TOKEN"
        value = coder_agent.main.token
      }
      env {
        name  = "CODER_AGENT_URL"
        value = data.coder_workspace.me.access_url
      }
      env {
        name  = "CODER_INNER_IMAGE"
        value = "codercom/enterprise-base:ubuntu"
      }
      env {
        name  = "CODER_INNER_USERNAME"
        value = "coder"
      }
      env {
        name  = "CODER_BOOTSTRAP_SCRIPT"
        value = coder_agent.main.init_script
      }
      // The pod's IP, for the inner container to reach the exectrace sidecar.
      env {
        name = "POD_IP"
        value_from {
          field_ref {
            field_path = "status.podIP"
          }
        }
      }
      env {
        name  = "CODER_INNER_ENVS"
        value = "POD_IP"
      }
    }

    container {
      name              = "exectrace"
      image             = var.exectrace_image
      image_pull_policy = "Always"
      command = [
        "/opt/exectrace",
        "--init-address", "0.0.0.0:56123",
        "--label", "workspace_id=${data.coder_workspace.me.id}",
        "--label", "workspace_name=${data.coder_workspace.me.name}",
        "--label", "user_id=${data.coder_workspace_owner.me.id}",
        "--label", "username=${data.coder_workspace_owner.me.name}",
        "--label", "user_email=${data.coder_workspace_owner.me.email}",
      ]
      security_context {
        run_as_user  = "0"
        run_as_group = "0"
        privileged   = true
      }
    }
  }
}
