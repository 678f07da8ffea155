module github.com/abrkit/abrkit

go 1.26

require (
	github.com/Eyevinn/mp4ff v0.53.0 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/grafov/m3u8 v0.12.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.11.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
