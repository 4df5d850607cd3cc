package coldstart

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/intel"
	"github.com/firebreak/firebreak/shared/settings"
)

// virusTotalTTL is how long a VirusTotal answer is reused by one warm
// function: an indicator asked about in every round is looked up once.
const virusTotalTTL = 15 * time.Minute

// SecretReader reads a secret's value; *secretsmanager.Client satisfies
// it.
type SecretReader interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput,
		...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Intelligence builds the intelligence the settings configure: the
// indicator lists, read from the copy built into the function, each by its
// kind (a .csv list or a STIX 2.1 bundle), and VirusTotal when vtSecret
// names the secret of its API key, read once through secrets (the step
// that gathers threat information is given it; the others are not).
// Nothing configured gives nil.
func Intelligence(ctx context.Context, set settings.Investigation, vtSecret string,
	secrets SecretReader) (datasource.Intelligence, error) {
	var chain intel.Chain
	for _, path := range set.IndicatorLists {
		l, err := readList(path)
		if err != nil {
			return nil, err
		}
		chain = append(chain, intel.Source{Name: path, Intel: l})
	}
	if vtSecret != "" {
		vt, err := virusTotal(ctx, vtSecret, secrets)
		if err != nil {
			return nil, err
		}
		chain = append(chain, intel.Source{Name: vt.Name(), Intel: vt})
	}
	if len(chain) == 0 {
		return nil, nil
	}
	return chain, nil
}

// readList reads one indicator list built into the function.
func readList(path string) (*intel.List, error) {
	f, err := firebreak.IntelFiles.Open(path)
	if err != nil {
		return nil, fmt.Errorf("indicator list %s: %w", path, err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".csv") {
		return intel.ReadCSV(f, path)
	}
	return intel.ReadSTIX(f, path)
}

// virusTotal builds the VirusTotal lookup from the API key in secret.
func virusTotal(ctx context.Context, secret string, secrets SecretReader) (*intel.External,
	error) {
	out, err := secrets.GetSecretValue(ctx,
		&secretsmanager.GetSecretValueInput{SecretId: aws.String(secret)})
	if err != nil {
		return nil, fmt.Errorf("read the VirusTotal API key from %s: %w", secret, err)
	}
	key := strings.TrimSpace(aws.ToString(out.SecretString))
	if key == "" {
		return nil, fmt.Errorf("the VirusTotal API key in %s is empty", secret)
	}
	return &intel.External{Lookup: &intel.VirusTotal{APIKey: intel.APIKey(key)},
		TTL: virusTotalTTL}, nil
}
