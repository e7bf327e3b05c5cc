// Command nodecheck-kubelet validates KubeletConfiguration documents with the kubelet's own code of one
// Kubernetes minor (the modfile it is built with picks the minor): strict decoding into the internal type
// with the kubelet's defaults, the feature gates set from the config (unknown names are refused, as the
// kubelet refuses them at start), then ValidateKubeletConfiguration.
//
// Input (stdin): {"cases":[{"id":"…","config":{KubeletConfiguration v1beta1}}]}
// Output (stdout): {"minor":"1.xx","results":[{"id":"…","error":"" or the kubelet's message,"featureGates":{…effective…}}]}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/featuregate"
	_ "k8s.io/kubernetes/pkg/features" // registers the kubelet's feature gates with the default gate
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/apis/config"
	kubeletscheme "k8s.io/kubernetes/pkg/kubelet/apis/config/scheme"
	"k8s.io/kubernetes/pkg/kubelet/apis/config/validation"
)

type input struct {
	Cases []struct {
		ID     string          `json:"id"`
		Config json.RawMessage `json:"config"`
	} `json:"cases"`
}

type result struct {
	ID           string          `json:"id"`
	Error        string          `json:"error"`
	FeatureGates map[string]bool `json:"featureGates,omitempty"`
}

// gatesOfInterest are reported with their effective value so the runner can assert them per minor.
var gatesOfInterest = []string{"DynamicResourceAllocation", "RotateKubeletServerCertificate"}

func check(raw []byte) (r result) {
	// The kubelet's defaulting merges the config's gates into the process-wide gate and panics on an
	// unknown name, so the names are checked first, as the kubelet does when it parses the file.
	var gatesOnly struct {
		FeatureGates map[string]bool `json:"featureGates"`
	}
	if err := json.Unmarshal(raw, &gatesOnly); err != nil {
		return result{Error: fmt.Sprintf("decode: %v", err)}
	}
	if err := utilfeature.DefaultMutableFeatureGate.DeepCopy().SetFromMap(gatesOnly.FeatureGates); err != nil {
		return result{Error: fmt.Sprintf("featureGates: %v", err)}
	}
	defer func() {
		if p := recover(); p != nil {
			r = result{Error: fmt.Sprint(p)}
		}
	}()
	_, codecs, err := kubeletscheme.NewSchemeAndCodecs(serializer.EnableStrict)
	if err != nil {
		return result{Error: err.Error()}
	}
	obj, _, err := codecs.UniversalDecoder().Decode(raw, nil, nil)
	if err != nil {
		return result{Error: fmt.Sprintf("decode: %v", err)}
	}
	kc, ok := obj.(*kubeletconfig.KubeletConfiguration)
	if !ok {
		return result{Error: fmt.Sprintf("decode: got %T, want KubeletConfiguration", obj)}
	}
	gates := utilfeature.DefaultMutableFeatureGate.DeepCopy()
	if err := gates.SetFromMap(kc.FeatureGates); err != nil {
		return result{Error: fmt.Sprintf("featureGates: %v", err)}
	}
	effective := map[string]bool{}
	known := gates.GetAll()
	for _, g := range gatesOfInterest {
		if _, ok := known[featuregate.Feature(g)]; ok {
			effective[g] = gates.Enabled(featuregate.Feature(g))
		}
	}
	if err := validation.ValidateKubeletConfiguration(kc, gates); err != nil {
		return result{Error: err.Error(), FeatureGates: effective}
	}
	return result{FeatureGates: effective}
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "nodecheck-kubelet: bad input: %v\n", err)
		os.Exit(2)
	}
	out := struct {
		Minor   string   `json:"minor"`
		Results []result `json:"results"`
	}{Minor: kubernetesMinor()}
	for _, c := range in.Cases {
		r := check(c.Config)
		r.ID = c.ID
		out.Results = append(out.Results, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		os.Exit(1)
	}
}

// kubernetesMinor is the minor of the k8s.io/kubernetes module this binary was built with ("1.33").
func kubernetesMinor() string {
	info, _ := debug.ReadBuildInfo()
	for _, d := range info.Deps {
		if d.Path == "k8s.io/kubernetes" {
			if m := regexp.MustCompile(`^v(1\.[0-9]+)\.`).FindStringSubmatch(d.Version); m != nil {
				return m[1]
			}
		}
	}
	return "unknown"
}
